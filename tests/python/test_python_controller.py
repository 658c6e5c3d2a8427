"""Python controllers in the C++ runs: `citybrain run --controller python:MODULE:CLASS`
(docs/python.md). The class decides; the same safety layer as for the built-in
controllers applies its answer."""

import json
import os
import pathlib
import subprocess

import pytest

from conftest import DATA, REPO

HERE = pathlib.Path(__file__).resolve().parent
BINARY = pathlib.Path(os.environ.get("CITYBRAIN_BUILD_DIR", REPO / "build" / "release")) / "citybrain"
HANGZHOU = ["--roadnet", str(DATA / "hangzhou_4x4" / "roadnet_4_4.json"),
            "--flow", str(DATA / "hangzhou_4x4" / "anon_4_4_hangzhou_real.json")]


def run(controller, *extra):
    """Runs the citybrain command from this folder (so that its modules are found)."""
    return subprocess.run([str(BINARY), "run", *HANGZHOU, "--controller", controller, "--json", *extra],
                          cwd=HERE, capture_output=True, text=True)


def run_json(controller, *extra):
    done = run(controller, *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_max_pressure_in_python_gives_the_builtin_run_exactly():
    python = run_json("python:max_pressure_controller:MaxPressure")
    builtin = run_json("maxpressure")
    assert python["average_travel_time_s"] == pytest.approx(334.22, abs=0.005)
    assert python["average_travel_time_s"] == builtin["average_travel_time_s"]
    assert python["state_hash"] == builtin["state_hash"]
    assert python["controller"] == "python:max_pressure_controller:MaxPressure"


def test_the_safety_layer_holds_a_python_controller_to_minimum_green_and_clearance():
    out = run_json("python:test_controllers:EveryDecisionAnotherPhase", "--decision-interval", "2",
                   "--duration", "600")
    assert out["safety_violations"] == 0
    # Asked for a change every 2 s, granted only after 10 s of green and a 5 s clearance.
    assert out["signal_requests_delayed"] > 0
    assert out["phase_changes"] <= 16 * 600 / (out["min_green_s"] + out["yellow_s"]) + 16


def test_a_phase_that_does_not_exist_is_refused():
    out = run_json("python:test_controllers:NoSuchPhase", "--duration", "300")
    assert out["signal_requests_refused"] > 0
    assert out["safety_violations"] == 0


@pytest.mark.parametrize("cls, message", [
    ("Raises", "decide() raised ValueError: no idea what to do at"),
    ("ReturnsText", "decide() returned str, expected an int"),
    ("NoDecide", "has no decide(observation) method"),
])
def test_a_failing_class_stops_the_run_with_its_message(cls, message):
    done = run("python:test_controllers:" + cls, "--duration", "100")
    assert done.returncode != 0
    assert message in done.stderr


def test_an_unknown_module_or_a_bad_name_is_a_clear_error():
    done = run("python:no_such_module_here:Rules")
    assert done.returncode != 0
    assert "No module named 'no_such_module_here'" in done.stderr
    done = run("python:onlymodule")
    assert done.returncode != 0
    assert "expected python:MODULE:CLASS" in done.stderr


def test_the_service_runs_a_python_controller_on_its_simulation_thread(tmp_path):
    """serve: decisions come from the service's simulation thread, which must take the
    interpreter's lock; the service answers and stops cleanly."""
    import re
    import signal
    import time
    import urllib.request

    serve = subprocess.Popen(
        [str(BINARY), "serve", *HANGZHOU, "--controller", "python:max_pressure_controller:MaxPressure",
         "--port", "0", "--speed", "max", "--data-dir", str(tmp_path / "data")],
        cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        for _ in range(50):
            line = serve.stdout.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if found:
                url = found.group(1)
                break
        assert url, "serve printed no address"
        state = None
        for _ in range(100):
            state = json.loads(urllib.request.urlopen(url + "api/v1/state", timeout=10).read())
            if state["time_s"] >= 1200:
                break
            time.sleep(0.1)
        assert state["controller"] == "python:max_pressure_controller:MaxPressure"
        assert state["time_s"] >= 1200
        # The class's decisions reached the signals, through the safety layer.
        assert state["counters"]["phase_changes"] > 0
        assert state["counters"]["safety_violations"] == 0
    finally:
        serve.send_signal(signal.SIGINT)
        out, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, out
    assert "stopped" in out
