"""Snapshots restore the exact state, reset repeats the run, and neither leaks."""

import pytest

import citybrain as cityflow
from conftest import DATA
import maxpressure

HANGZHOU_ROADNET = str(DATA / "hangzhou_4x4" / "roadnet_4_4.json")


def observe(eng):
    return (eng.get_current_time(), eng.state_hash(), eng.get_average_travel_time(),
            eng.get_vehicles(include_waiting=True), eng.get_lane_vehicles(), eng.get_vehicle_speed())


def test_snapshot_restores_the_exact_state(hangzhou_config, tmp_path):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    maxpressure.run(eng, HANGZHOU_ROADNET, steps=600)
    archive = eng.snapshot()
    at_snapshot = observe(eng)
    maxpressure.run(eng, HANGZHOU_ROADNET, steps=300)
    later = observe(eng)
    assert later[1] != at_snapshot[1]

    eng.load(archive)
    assert observe(eng) == at_snapshot
    maxpressure.run(eng, HANGZHOU_ROADNET, steps=300)
    assert observe(eng) == later

    # Through a file, into another engine made from the same config.
    path = str(tmp_path / "save.bin")
    archive.dump(path)
    other = cityflow.Engine(hangzhou_config, thread_num=2)
    other.load_from_file(path)
    assert observe(other) == at_snapshot
    maxpressure.run(other, HANGZHOU_ROADNET, steps=300)
    assert observe(other) == later
    # An archive of another engine made from the same config loads as well.
    third = cityflow.Engine(hangzhou_config, thread_num=1)
    third.load(archive)
    assert observe(third) == at_snapshot


def test_load_refuses_bad_archives(hangzhou_config, jinan_config, tmp_path):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    for _ in range(50):
        eng.next_step()
    before = observe(eng)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not an archive")
    with pytest.raises(cityflow.Error, match="not a citybrain archive"):
        eng.load_from_file(str(junk))
    jinan = cityflow.Engine(jinan_config, thread_num=1)
    jinan.snapshot().dump(str(tmp_path / "jinan.bin"))
    with pytest.raises(cityflow.Error, match="another network"):
        eng.load_from_file(str(tmp_path / "jinan.bin"))
    with pytest.raises(cityflow.Error, match="another network"):
        eng.load(jinan.snapshot())
    good = tmp_path / "good.bin"
    eng.snapshot().dump(str(good))
    (tmp_path / "cut.bin").write_bytes(good.read_bytes()[:-100])
    with pytest.raises(cityflow.Error, match="truncated or corrupt"):
        eng.load_from_file(str(tmp_path / "cut.bin"))
    assert observe(eng) == before  # a refused archive leaves the engine as it was


def test_reset_gives_the_same_run_again(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    first_att = maxpressure.run(eng, HANGZHOU_ROADNET, steps=900)
    first = observe(eng)
    eng.reset()
    assert eng.get_current_time() == 0 and eng.get_vehicle_count() == 0
    assert maxpressure.run(eng, HANGZHOU_ROADNET, steps=900) == first_att
    assert observe(eng) == first
    # Another seed: reset() keeps it (and repeats its run), reset(seed=True) goes
    # back to the config's.
    eng.set_random_seed(7)
    eng.reset()
    maxpressure.run(eng, HANGZHOU_ROADNET, steps=900)
    seven = observe(eng)
    eng.reset()
    maxpressure.run(eng, HANGZHOU_ROADNET, steps=900)
    assert observe(eng) == seven
    eng.reset(seed=True)
    maxpressure.run(eng, HANGZHOU_ROADNET, steps=900)
    assert observe(eng) == first


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_ten_thousand_resets_do_not_grow_memory(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)

    def cycle():
        for _ in range(3):
            eng.next_step()
        eng.get_vehicles(include_waiting=True)
        eng.snapshot()
        eng.reset()

    for _ in range(200):  # warm up: buffers reach their size
        cycle()
    before = resident_bytes()
    for _ in range(10_000):
        cycle()
    grown = resident_bytes() - before
    assert grown < 1 << 20, "resident memory grew by %d bytes over 10,000 resets" % grown
