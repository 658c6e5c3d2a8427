"""Fixtures of the Python tests: the module from the build tree, and CityFlow
config.json files written next to each test over the project's own data/.

The module is looked for on PYTHONPATH first, then in build/release/python
(CITYBRAIN_BUILD_DIR overrides build/release)."""

import json
import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "cityflow"

try:
    import citybrain  # noqa: F401
except ImportError:
    build = pathlib.Path(os.environ.get("CITYBRAIN_BUILD_DIR", REPO / "build" / "release"))
    sys.path.insert(0, str(build / "python"))


def write_config(folder, dataset, roadnet, flow, name="config.json", **extra):
    """Writes a CityFlow config file `name` in `folder` naming data/cityflow/<dataset> files."""
    config = {
        "interval": 1.0,
        "seed": 0,
        "dir": str(DATA / dataset) + "/",
        "roadnetFile": roadnet,
        "flowFile": flow,
        "rlTrafficLight": True,
        "laneChange": False,
        "saveReplay": False,
    }
    config.update(extra)
    path = pathlib.Path(folder) / name
    path.write_text(json.dumps(config))
    return str(path)


@pytest.fixture
def hangzhou_config(tmp_path):
    return write_config(tmp_path, "hangzhou_4x4", "roadnet_4_4.json", "anon_4_4_hangzhou_real.json",
                        name="hangzhou.json")


@pytest.fixture
def jinan_config(tmp_path):
    return write_config(tmp_path, "jinan_3x4", "roadnet_3_4.json", "anon_3_4_jinan_real.json", name="jinan.json")
