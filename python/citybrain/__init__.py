"""citybrain's twin from Python (docs/python.md).

``import citybrain as cityflow`` gives CityFlow's engine API: ``cityflow.Engine(config_file,
thread_num)`` with CityFlow's method names and meanings, over citybrain's twin.
"""

from ._core import Archive, Engine, Error

__all__ = ["Archive", "Engine", "Error"]
