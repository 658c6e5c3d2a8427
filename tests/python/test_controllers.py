"""Controllers for test_python_controller.py: each misbehaves in one way."""


class EveryDecisionAnotherPhase:
    """Asks for the next phase at every decision: the safety layer must hold each
    phase for its minimum green and put the clearance between them."""

    def decide(self, observation):
        phases = observation["phases"]
        return phases[(observation["decision_index"] + 1) % len(phases)]


class NoSuchPhase:
    def decide(self, observation):
        return 99


class Raises:
    def decide(self, observation):
        raise ValueError("no idea what to do at " + observation["intersection"])


class ReturnsText:
    def decide(self, observation):
        return "green"


class NoDecide:
    pass
