"""A gym-style traffic-signal environment over citybrain's twin (docs/python.md,
"A gym-style environment"), with Gymnasium's conventions and without the gymnasium
package: ``reset(seed=None, options=None) -> (observation, info)``,
``step(action) -> (observation, reward, terminated, truncated, info)``,
``observation_space`` and ``action_space`` (citybrain.spaces).

Every action passes citybrain's safety layer (Engine.enable_safety_layer): an action
is a request for a control phase, delayed until the current green has lasted the
minimum green and shown after the clearance, never applied directly.

Agents are the signalised intersections, in network order. An action for an
intersection is an index into its control phases (``control_phases`` in
``intersections``). Modes:

- ``"multi_agent"``: observation, action and reward are dicts keyed by intersection
  id; the spaces are ``spaces.Dict`` of one space per intersection.
- ``"joint"``: one agent for the whole city: observations concatenated in network
  order (a ``Box``), one ``MultiDiscrete`` action, the rewards summed.

Observation of an intersection i: a float32 array, the vehicles on each incoming lane
(in(i), in the order of ``intersections[k]["incoming_lanes"]``), then a one-hot of the
control phase the safety layer has granted (in force, or coming after the clearance).

Rewards of an intersection i over one ``step`` (n_l: vehicles on lane l, w_l: those
slower than 0.1 m/s, both at the end of the step unless said otherwise):

- ``"pressure"``:      r = -| sum_{l in in(i)} n_l - sum_{l in out(i)} n_l |
- ``"queue"``:         r = -sum_{l in in(i)} w_l
- ``"waiting_time"``:  r = -sum_{simulation steps s of this step} dt * sum_{l in in(i)} w_l(s),
  the vehicle-seconds spent waiting on the incoming lanes during the step.

Traffic has no terminal state: ``terminated`` is always False, and ``truncated``
becomes True when simulated time reaches ``episode_length``.
"""

import numpy as np

from . import spaces
from ._core import Engine

__all__ = ["TrafficSignalEnv"]

REWARDS = ("pressure", "queue", "waiting_time")
MODES = ("multi_agent", "joint")


class TrafficSignalEnv:
    """Traffic-signal control of every signalised intersection of a CityFlow config.

    config_file: CityFlow's config.json (or a SUMO .sumocfg), as for ``Engine``.
    mode: ``"multi_agent"`` (dicts keyed by intersection id) or ``"joint"``.
    reward: ``"pressure"``, ``"queue"`` or ``"waiting_time"`` (formulas above).
    action_interval: simulated seconds per ``step`` (a whole number of the config's
    ``interval``). episode_length: simulated seconds until ``truncated``.
    min_green, clearance, max_green: the safety layer's rules in seconds (None: the
    data's own; max_green 0: no limit).
    """

    metadata = {"render_modes": []}
    render_mode = None

    def __init__(self, config_file, mode="multi_agent", reward="pressure", action_interval=10.0,
                 episode_length=3600.0, min_green=None, clearance=None, max_green=0.0, thread_num=1):
        if mode not in MODES:
            raise ValueError(f"mode = {mode!r}, expected one of {MODES}")
        if reward not in REWARDS:
            raise ValueError(f"reward = {reward!r}, expected one of {REWARDS}")
        if not action_interval > 0:
            raise ValueError(f"action_interval = {action_interval}, expected > 0 s")
        if not episode_length > 0:
            raise ValueError(f"episode_length = {episode_length}, expected > 0 s")
        self.mode = mode
        self.reward_name = reward
        self.action_interval = float(action_interval)
        self.episode_length = float(episode_length)
        self.engine = Engine(config_file, thread_num)
        self.engine.enable_safety_layer(min_green=min_green, clearance=clearance, max_green=max_green)
        self.intersections = self.engine.get_signalised_intersections()
        if not self.intersections:
            raise ValueError(f"{config_file}: the roadnet has no signalised intersection to control")
        self.agents = [inter["id"] for inter in self.intersections]

        lane_index = {lane: k for k, lane in enumerate(self.engine.lane_ids())}
        self._in = [np.array([lane_index[l] for l in inter["incoming_lanes"]], dtype=np.intp)
                    for inter in self.intersections]
        self._out = [np.array([lane_index[l] for l in inter["outgoing_lanes"]], dtype=np.intp)
                     for inter in self.intersections]
        self._phases = [list(inter["control_phases"]) for inter in self.intersections]

        obs_spaces = [spaces.Box(0.0, np.inf, shape=(len(lanes) + len(phases),), dtype=np.float32)
                      for lanes, phases in zip(self._in, self._phases)]
        act_spaces = [spaces.Discrete(len(phases)) for phases in self._phases]
        if mode == "multi_agent":
            self.observation_space = spaces.Dict(zip(self.agents, obs_spaces))
            self.action_space = spaces.Dict(zip(self.agents, act_spaces))
        else:
            size = sum(space.shape[0] for space in obs_spaces)
            self.observation_space = spaces.Box(0.0, np.inf, shape=(size,), dtype=np.float32)
            self.action_space = spaces.MultiDiscrete([len(phases) for phases in self._phases])
        self._seed = None
        self._waiting_s = np.zeros(len(self.agents))

    # --- Gymnasium's interface.

    def reset(self, seed=None, options=None):
        """Back to t = 0 with no vehicles. ``seed``: the seed of the twin's random
        choices (and of the spaces' ``sample``) from now on; None keeps the last one
        given (the config's ``seed`` until one is). ``options``: none are defined;
        anything but None or {} raises ValueError."""
        if options:
            raise ValueError(f"reset: unknown options {sorted(options)}")
        if seed is not None:
            self._seed = int(seed)
            self.observation_space.seed(self._seed)
            self.action_space.seed(self._seed + 1)
        self.engine.reset(seed=True)
        if self._seed is not None:
            self.engine.set_random_seed(self._seed)
        self._waiting_s[:] = 0
        return self._observation(), self._info()

    def step(self, action):
        """Requests the phases of ``action`` through the safety layer, then runs
        ``action_interval`` seconds. ValueError when the action is not in
        ``action_space``."""
        if not self.action_space.contains(action):
            raise ValueError(f"step: action {action!r} is not in {self.action_space!r}")
        choices = ([action[agent] for agent in self.agents] if self.mode == "multi_agent"
                   else [int(a) for a in action])
        for agent, phases, choice in zip(self.agents, self._phases, choices):
            self.engine.request_phase(agent, phases[int(choice)])

        self._waiting_s[:] = 0
        end = self.engine.get_current_time() + self.action_interval - 1e-9
        while self.engine.get_current_time() < end:
            before = self.engine.get_current_time()
            self.engine.next_step()
            dt = self.engine.get_current_time() - before
            if self.reward_name == "waiting_time":
                waiting = self.engine.lane_waiting_counts()
                self._waiting_s += dt * np.array([waiting[lanes].sum() for lanes in self._in])

        rewards = self._rewards()
        reward = dict(zip(self.agents, rewards)) if self.mode == "multi_agent" else float(sum(rewards))
        truncated = self.engine.get_current_time() >= self.episode_length - 1e-9
        return self._observation(), reward, False, truncated, self._info()

    def close(self):
        """Nothing to release (the engine goes with the object); Gymnasium's name."""

    # --- The parts.

    def _observation(self):
        counts = self.engine.lane_vehicle_counts()
        per_agent = []
        for k, (lanes, phases) in enumerate(zip(self._in, self._phases)):
            granted = self.engine.get_signal_state(self.agents[k])["phase"]
            one_hot = np.array([1.0 if p == granted else 0.0 for p in phases], dtype=np.float32)
            per_agent.append(np.concatenate([counts[lanes].astype(np.float32), one_hot]))
        if self.mode == "multi_agent":
            return dict(zip(self.agents, per_agent))
        return np.concatenate(per_agent)

    def _rewards(self):
        if self.reward_name == "waiting_time":
            return [-float(w) for w in self._waiting_s]
        if self.reward_name == "queue":
            waiting = self.engine.lane_waiting_counts()
            return [-float(waiting[lanes].sum()) for lanes in self._in]
        counts = self.engine.lane_vehicle_counts()
        return [-float(abs(int(counts[i].sum()) - int(counts[o].sum()))) for i, o in zip(self._in, self._out)]

    def _info(self):
        return {
            "time": self.engine.get_current_time(),
            "vehicles": self.engine.get_vehicle_count(),
            "average_travel_time": self.engine.get_average_travel_time(),
            "phases": {agent: self.engine.get_signal_state(agent)["phase"] for agent in self.agents},
            "safety": self.engine.get_safety_layer(),
        }
