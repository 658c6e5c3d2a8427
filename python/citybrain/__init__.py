"""citybrain's twin from Python (docs/python.md).

``import citybrain as cityflow`` gives CityFlow's engine API: ``cityflow.Engine(config_file,
thread_num)`` with CityFlow's method names and meanings, over citybrain's twin.
``citybrain.Twin`` is citybrain's own API: any input ``citybrain run`` reads, any
controller (a name or a Python object with ``decide``), KPIs, the safety layer,
detector posts, emergency dispatch, look-ahead copies and NumPy arrays.
``citybrain.TrafficSignalEnv`` is a gym-style environment whose actions pass the
safety layer; ``citybrain.spaces`` describes its spaces without the gymnasium package.
"""

from . import spaces
from ._core import Archive, Engine, Error, Twin
from .env import TrafficSignalEnv

__all__ = ["Archive", "Engine", "Error", "TrafficSignalEnv", "Twin", "spaces"]
