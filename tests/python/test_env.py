"""The gym-style environment (citybrain.TrafficSignalEnv), its spaces, and the safety
layer it acts through (Engine.enable_safety_layer / request_phase)."""

import numpy as np
import pytest

import citybrain
from citybrain import spaces


# --- Spaces.

def test_discrete_contains_and_sample():
    d = spaces.Discrete(4)
    assert d.n == 4 and d.shape == ()
    assert all(d.contains(x) for x in (0, 3, np.int64(2)))
    assert not any(d.contains(x) for x in (-1, 4, 1.0, True, "1", [1]))
    d.seed(3)
    first = [d.sample() for _ in range(50)]
    d.seed(3)
    assert [d.sample() for _ in range(50)] == first
    assert set(first) == {0, 1, 2, 3}


def test_multidiscrete_contains_and_sample():
    m = spaces.MultiDiscrete([2, 3, 4])
    assert m.shape == (3,) and m.nvec.tolist() == [2, 3, 4]
    assert m.contains(np.array([1, 2, 3])) and m.contains([0, 0, 0])
    assert not m.contains(np.array([2, 0, 0]))
    assert not m.contains(np.array([0, 0]))
    assert not m.contains(np.array([0.0, 0.0, 0.0]))
    m.seed(5)
    samples = [m.sample() for _ in range(100)]
    assert all(m.contains(s) for s in samples)
    m.seed(5)
    assert all(np.array_equal(s, m.sample()) for s in samples)
    with pytest.raises(ValueError):
        spaces.MultiDiscrete([2, 0])


def test_box_contains_and_sample():
    b = spaces.Box(0.0, np.inf, shape=(5,), dtype=np.float32)
    assert b.shape == (5,) and b.low.tolist() == [0.0] * 5 and np.isinf(b.high).all()
    assert b.contains(np.zeros(5, dtype=np.float32))
    assert not b.contains(np.full(5, -1.0, dtype=np.float32))
    assert not b.contains(np.zeros(4, dtype=np.float32))
    bounded = spaces.Box(-1.0, 2.0, shape=(3, 2), seed=1)
    samples = [bounded.sample() for _ in range(100)]
    assert all(bounded.contains(s) for s in samples) and all(s.dtype == np.float32 for s in samples)
    assert all(b.contains(b.sample()) for _ in range(100))
    with pytest.raises(ValueError):
        spaces.Box(1.0, 0.0, shape=(1,))


def test_dict_contains_and_sample():
    d = spaces.Dict({"a": spaces.Discrete(2), "b": spaces.Discrete(3)})
    assert d.contains({"a": 1, "b": 2})
    assert not d.contains({"a": 1})
    assert not d.contains({"a": 1, "b": 3})
    assert not d.contains({"a": 1, "b": 2, "c": 0})
    d.seed(9)
    first = [d.sample() for _ in range(20)]
    d.seed(9)
    assert [d.sample() for _ in range(20)] == first


# --- The safety layer from Python.

def test_a_too_early_change_is_delayed_then_shown_after_the_clearance(hangzhou_config):
    eng = citybrain.Engine(hangzhou_config)
    eng.enable_safety_layer(min_green=20, clearance=5)
    inter = eng.get_signalised_intersections()[0]
    first, second = inter["control_phases"][0], inter["control_phases"][1]
    state = eng.get_signal_state(inter["id"])
    assert state["phase"] == first and state["shown"] == first
    eng.request_phase(inter["id"], second)
    shown = []
    for _ in range(40):
        eng.next_step()
        shown.append(eng.get_signal_state(inter["id"])["shown"])
    # Green for the minimum 20 s (the request delayed, not applied), then 5 s of
    # clearance, then the phase asked for.
    assert shown[:20] == [first] * 20
    assert shown[20:25] == [inter["clearance_phase"]] * 5
    assert shown[25:] == [second] * 15
    layer = eng.get_safety_layer()
    assert layer["delayed"] == 1 and layer["phase_changes"] == 1
    assert layer["safety_violations"] == 0 and layer["refused"] == 0
    assert (layer["min_green"], layer["clearance"]) == (20, 5)


def test_the_safety_layer_refuses_direct_phases_and_bad_requests(hangzhou_config):
    eng = citybrain.Engine(hangzhou_config)
    inter = eng.get_signalised_intersections()[0]
    assert eng.get_safety_layer() is None
    with pytest.raises(citybrain.Error, match="safety layer is off"):
        eng.request_phase(inter["id"], inter["control_phases"][0])
    eng.enable_safety_layer()
    with pytest.raises(citybrain.Error, match="set_tl_phase: the safety layer sets the signals"):
        eng.set_tl_phase(inter["id"], 1)
    with pytest.raises(citybrain.Error, match="not one of its control phases"):
        eng.request_phase(inter["id"], inter["clearance_phase"])
    with pytest.raises(citybrain.Error, match="no intersection 'nowhere'"):
        eng.request_phase("nowhere", 1)
    with pytest.raises(citybrain.Error, match="--min-green"):
        eng.enable_safety_layer(min_green=-1)
    with pytest.raises(citybrain.Error, match="archives do not hold the safety layer"):
        eng.load(eng.snapshot())
    eng.disable_safety_layer()
    eng.set_tl_phase(inter["id"], 1)  # research mode again


# --- The environment.

def run_episode(env, seed, steps):
    obs, info = env.reset(seed=seed)
    trajectory = [(obs, None, info["time"])]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trajectory.append((obs, reward, info["time"]))
    return trajectory, env.engine.state_hash()


def same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def test_same_seed_same_trajectory(hangzhou_config):
    env = citybrain.TrafficSignalEnv(hangzhou_config, action_interval=10, episode_length=300)
    first, hash_first = run_episode(env, 42, 30)
    again, hash_again = run_episode(env, 42, 30)
    other_env = citybrain.TrafficSignalEnv(hangzhou_config, action_interval=10, episode_length=300)
    other, hash_other = run_episode(other_env, 42, 30)
    assert hash_first == hash_again == hash_other
    for a, b, c in zip(first, again, other):
        assert same(a, b) and same(a, c)
    # The random actions did change phases: the trajectory is not trivially equal.
    assert env.engine.get_safety_layer()["phase_changes"] > 0


def test_reset_starts_the_safety_layer_afresh_with_its_rules(hangzhou_config):
    env = citybrain.TrafficSignalEnv(hangzhou_config, action_interval=10, min_green=12, clearance=3)
    env.reset(seed=0)
    for _ in range(10):
        env.step(env.action_space.sample())
    assert env.engine.get_safety_layer()["phase_changes"] > 0
    _, info = env.reset()
    layer = info["safety"]
    assert (layer["phase_changes"], layer["delayed"], layer["min_green"], layer["clearance"]) == (0, 0, 12, 3)
    assert info["time"] == 0 and info["vehicles"] == 0
    first = [i["control_phases"][0] for i in env.intersections]
    assert list(info["phases"].values()) == first


@pytest.mark.parametrize("mode", ["multi_agent", "joint"])
def test_a_short_episode_runs_to_truncation(hangzhou_config, mode):
    env = citybrain.TrafficSignalEnv(hangzhou_config, mode=mode, action_interval=10, episode_length=120)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs) and info["time"] == 0
    steps = 0
    truncated = False
    while not truncated:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        steps += 1
        assert env.observation_space.contains(obs)
        assert terminated is False
        if mode == "multi_agent":
            assert reward.keys() == set(env.agents)
        else:
            assert isinstance(reward, float)
    assert steps == 12 and info["time"] == 120
    assert info["vehicles"] > 0 and info["safety"]["safety_violations"] == 0
    assert len(env.agents) == 16


def test_actions_change_phases_only_through_the_safety_layer(hangzhou_config):
    env = citybrain.TrafficSignalEnv(hangzhou_config, action_interval=1, episode_length=200, min_green=15,
                                     clearance=5)
    env.reset(seed=1)
    agent = env.agents[0]
    phases = env.intersections[0]["control_phases"]
    changes = []
    last = env.engine.get_signal_state(agent)["phase"]
    for t in range(200):
        # Asks for another phase every second.
        action = {a: (t % 2) if a == agent else 0 for a in env.agents}
        _, _, _, _, info = env.step(action)
        if info["phases"][agent] != last:
            changes.append(info["time"])
            last = info["phases"][agent]
        assert last in phases[:2]
    gaps = np.diff(changes)
    assert len(changes) > 3 and (gaps >= 15 + 5).all()
    assert info["safety"]["delayed"] > 0 and info["safety"]["safety_violations"] == 0


def test_rewards_follow_their_formulas(hangzhou_config):
    queue = citybrain.TrafficSignalEnv(hangzhou_config, reward="queue", action_interval=1, episode_length=600)
    waiting = citybrain.TrafficSignalEnv(hangzhou_config, reward="waiting_time", action_interval=1,
                                         episode_length=600)
    pressure = citybrain.TrafficSignalEnv(hangzhou_config, reward="pressure", action_interval=1,
                                          episode_length=600)
    for env in (queue, waiting, pressure):
        env.reset(seed=0)
    action = {a: 0 for a in queue.agents}
    nonzero = 0
    for _ in range(300):
        _, rq, _, _, _ = queue.step(action)
        _, rw, _, _, _ = waiting.step(action)
        _, rp, _, _, _ = pressure.step(action)
        counts = pressure.engine.get_lane_vehicle_count()
        stopped = queue.engine.get_lane_waiting_vehicle_count()
        for inter in queue.intersections:
            a = inter["id"]
            assert rq[a] == -sum(stopped[l] for l in inter["incoming_lanes"])
            # One simulated second per step: the waiting seconds are the queue.
            assert rw[a] == rq[a]
            assert rp[a] == -abs(sum(counts[l] for l in inter["incoming_lanes"]) -
                                 sum(counts[l] for l in inter["outgoing_lanes"]))
            nonzero += rq[a] != 0
    assert nonzero > 0


def test_waiting_time_sums_over_the_action_interval(hangzhou_config):
    fine = citybrain.TrafficSignalEnv(hangzhou_config, reward="waiting_time", action_interval=1)
    coarse = citybrain.TrafficSignalEnv(hangzhou_config, reward="waiting_time", action_interval=10)
    fine.reset(seed=0)
    coarse.reset(seed=0)
    action = {a: 0 for a in fine.agents}
    for _ in range(20):
        total = {a: 0.0 for a in fine.agents}
        for _ in range(10):
            _, r, _, _, _ = fine.step(action)
            for a in r:
                total[a] += r[a]
        _, r, _, _, _ = coarse.step(action)
        assert r == total


def test_joint_mode_sums_the_agents(hangzhou_config):
    per_agent = citybrain.TrafficSignalEnv(hangzhou_config, reward="queue", action_interval=5)
    joint = citybrain.TrafficSignalEnv(hangzhou_config, mode="joint", reward="queue", action_interval=5)
    assert joint.action_space.nvec.tolist() == [len(i["control_phases"]) for i in joint.intersections]
    obs_a, _ = per_agent.reset(seed=3)
    obs_j, _ = joint.reset(seed=3)
    assert np.array_equal(np.concatenate([obs_a[a] for a in per_agent.agents]), obs_j)
    rng = np.random.default_rng(0)
    for _ in range(30):
        choice = rng.integers(joint.action_space.nvec)
        obs_a, r_a, _, _, _ = per_agent.step(dict(zip(per_agent.agents, (int(c) for c in choice))))
        obs_j, r_j, _, _, _ = joint.step(choice)
        assert r_j == sum(r_a.values())
        assert np.array_equal(np.concatenate([obs_a[a] for a in per_agent.agents]), obs_j)


def test_bad_arguments_and_actions_raise(hangzhou_config):
    with pytest.raises(ValueError, match="mode"):
        citybrain.TrafficSignalEnv(hangzhou_config, mode="all")
    with pytest.raises(ValueError, match="reward"):
        citybrain.TrafficSignalEnv(hangzhou_config, reward="delay")
    env = citybrain.TrafficSignalEnv(hangzhou_config)
    env.reset()
    with pytest.raises(ValueError, match="not in"):
        env.step({env.agents[0]: 0})
    with pytest.raises(ValueError, match="not in"):
        env.step({a: 99 for a in env.agents})
    with pytest.raises(ValueError, match="unknown options"):
        env.reset(options={"foo": 1})


def test_the_gym_loop_of_the_docs_runs(hangzhou_config, capsys):
    import pathlib
    import re
    docs = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "python.md").read_text()
    section = docs[docs.index("## A gym-style environment"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace('"config.json"', repr(hangzhou_config)).replace("episode_length=3600", "episode_length=300")
    scope = {}
    exec(compile(code, "docs/python.md", "exec"), scope)
    info = scope["info"]
    assert info["time"] == 300 and info["safety"]["phase_changes"] > 0
    assert info["safety"]["safety_violations"] == 0
