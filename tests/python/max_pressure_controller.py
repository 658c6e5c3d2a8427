"""Max-pressure written as a citybrain Python controller (docs/python.md).

Used by test_python_controller.py: run under `citybrain run --controller
python:max_pressure_controller:MaxPressure`, it must give exactly the built-in
`maxpressure` figures. The pressure of a phase is the sum, over its green movements
that are not right turns, of the waiting vehicles on the movement's incoming lanes
less those on the lanes of the road it leads to; the phase with the highest
pressure wins, the first listed on a tie.
"""


class MaxPressure:
    def decide(self, observation):
        lanes = observation["lanes"]
        movements = observation["movements"]
        best, best_pressure = None, None
        for phase in observation["phases"]:
            pressure = 0
            for k in observation["green"][phase]:
                m = movements[k]
                if m["turn"] == "turn_right":
                    continue
                pressure += sum(lanes[lane]["waiting"] for lane in m["from_lanes"])
                pressure -= sum(lanes[lane]["waiting"] for lane in m["to_lanes"])
            if best is None or pressure > best_pressure:
                best, best_pressure = phase, pressure
        return best
