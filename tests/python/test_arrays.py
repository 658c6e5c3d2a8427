"""citybrain's NumPy getters agree with CityFlow's dictionaries."""

import numpy as np

import citybrain as cityflow


def test_arrays_match_the_dictionaries(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    for _ in range(400):
        eng.next_step()
    lanes = eng.lane_ids()
    counts = eng.lane_vehicle_counts()
    waiting = eng.lane_waiting_counts()
    assert counts.dtype == np.int32 and counts.shape == (len(lanes),)
    assert counts.tolist() == [eng.get_lane_vehicle_count()[lane] for lane in lanes]
    assert waiting.tolist() == [eng.get_lane_waiting_vehicle_count()[lane] for lane in lanes]
    assert waiting.sum() > 0 and (waiting <= counts).all()
    running = eng.get_vehicles()
    speeds, distances = eng.vehicle_speeds(), eng.vehicle_distances()
    assert speeds.tolist() == [eng.get_vehicle_speed()[v] for v in running]
    assert distances.tolist() == [eng.get_vehicle_distance()[v] for v in running]
    # Fresh arrays: stepping on does not change one already returned.
    before = counts.copy()
    for _ in range(30):
        eng.next_step()
    assert (counts == before).all()


def test_max_pressure_over_arrays_gives_the_same_run(hangzhou_config):
    import maxpressure
    from conftest import DATA

    roadnet = str(DATA / "hangzhou_4x4" / "roadnet_4_4.json")
    by_dicts = cityflow.Engine(hangzhou_config, thread_num=1)
    by_arrays = cityflow.Engine(hangzhou_config, thread_num=1)
    assert maxpressure.run_arrays(by_arrays, roadnet, steps=1800) == maxpressure.run(by_dicts, roadnet, steps=1800)
    assert by_arrays.state_hash() == by_dicts.state_hash()
