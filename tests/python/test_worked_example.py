"""The worked example of docs/python.md (python/examples/evaluate_four_flows.py) runs
and gives, over the four bundled flows, CityFlow's own max-pressure figures
(../shared reference runs, also the C++ `maxpressure` run's)."""

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO

EXPECTED = {"hangzhou_real": 334.22, "hangzhou_5816": 442.10, "jinan_real": 321.13, "jinan_2000": 293.52}


def test_the_worked_example_evaluates_max_pressure_over_the_four_flows():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, str(REPO / "python" / "examples" / "evaluate_four_flows.py"), "--json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    results = json.loads(out)
    assert set(results) == set(EXPECTED)
    for name, att in EXPECTED.items():
        assert results[name] == pytest.approx(att, abs=0.005), name
    assert "Worked example" in (REPO / "docs" / "python.md").read_text()
