"""Small descriptions of observation and action spaces, with Gymnasium's names and
meanings (``shape``, ``n``, ``nvec``, ``low``/``high``, ``sample()``, ``contains()``,
``seed()``), so that an environment can be described without the gymnasium package.

Each space draws its samples from its own ``numpy.random.Generator``: ``seed(s)``
makes ``sample()`` repeat exactly.
"""

import numpy as np

__all__ = ["Space", "Discrete", "MultiDiscrete", "Box", "Dict"]


class Space:
    """What the spaces below share: a shape, a dtype and a random generator."""

    def __init__(self, shape, dtype, seed=None):
        self.shape = None if shape is None else tuple(int(n) for n in shape)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self._rng = np.random.default_rng(seed)

    @property
    def np_random(self):
        return self._rng

    def seed(self, seed=None):
        """Restarts the generator of ``sample()`` from ``seed``; returns ``[seed]``."""
        self._rng = np.random.default_rng(seed)
        return [seed]

    def sample(self):
        raise NotImplementedError

    def contains(self, x):
        raise NotImplementedError

    def __contains__(self, x):
        return self.contains(x)


def _is_integer(x):
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    return isinstance(x, np.ndarray) and x.shape == () and np.issubdtype(x.dtype, np.integer)


class Discrete(Space):
    """The integers ``start``, ..., ``start + n - 1``."""

    def __init__(self, n, start=0, seed=None):
        if int(n) < 1:
            raise ValueError(f"Discrete: n = {n}, expected at least 1")
        super().__init__((), np.int64, seed)
        self.n = int(n)
        self.start = int(start)

    def sample(self):
        return int(self.start + self._rng.integers(self.n))

    def contains(self, x):
        return _is_integer(x) and self.start <= int(x) < self.start + self.n

    def __repr__(self):
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"

    def __eq__(self, other):
        return isinstance(other, Discrete) and (self.n, self.start) == (other.n, other.start)


class MultiDiscrete(Space):
    """Integer arrays ``x`` with ``0 <= x[i] < nvec[i]``."""

    def __init__(self, nvec, seed=None):
        nvec = np.asarray(nvec, dtype=np.int64)
        if nvec.ndim != 1 or nvec.size == 0 or (nvec < 1).any():
            raise ValueError(f"MultiDiscrete: nvec = {nvec.tolist()}, expected a non-empty list of counts >= 1")
        super().__init__(nvec.shape, np.int64, seed)
        self.nvec = nvec

    def sample(self):
        return self._rng.integers(self.nvec).astype(np.int64)

    def contains(self, x):
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        if not isinstance(x, np.ndarray) or x.shape != self.shape or not np.issubdtype(x.dtype, np.integer):
            return False
        return bool(((x >= 0) & (x < self.nvec)).all())

    def __repr__(self):
        return f"MultiDiscrete({self.nvec.tolist()})"

    def __eq__(self, other):
        return isinstance(other, MultiDiscrete) and np.array_equal(self.nvec, other.nvec)


class Box(Space):
    """Real arrays of ``shape`` with ``low <= x <= high`` element by element (bounds may
    be infinite). ``sample()``: uniform where both bounds are finite, ``low`` plus an
    exponential draw (mean 1) where only ``low`` is, ``high`` minus one where only
    ``high`` is, a standard normal where neither is."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        if shape is None:
            shape = np.broadcast(np.asarray(low), np.asarray(high)).shape
        super().__init__(shape, dtype, seed)
        self.low = np.broadcast_to(np.asarray(low, dtype=self.dtype), self.shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=self.dtype), self.shape).copy()
        if (self.low > self.high).any():
            raise ValueError("Box: low > high somewhere")

    def sample(self):
        low = self.low.astype(np.float64)
        high = self.high.astype(np.float64)
        out = np.empty(self.shape, dtype=np.float64)
        lo_ok, hi_ok = np.isfinite(low), np.isfinite(high)
        both = lo_ok & hi_ok
        out[both] = self._rng.uniform(low[both], high[both])
        only_lo = lo_ok & ~hi_ok
        out[only_lo] = low[only_lo] + self._rng.exponential(size=int(only_lo.sum()))
        only_hi = ~lo_ok & hi_ok
        out[only_hi] = high[only_hi] - self._rng.exponential(size=int(only_hi.sum()))
        neither = ~lo_ok & ~hi_ok
        out[neither] = self._rng.normal(size=int(neither.sum()))
        return out.astype(self.dtype)

    def contains(self, x):
        if isinstance(x, (list, tuple)):
            x = np.asarray(x, dtype=self.dtype)
        if not isinstance(x, np.ndarray) or x.shape != self.shape:
            return False
        if not np.can_cast(x.dtype, self.dtype, casting="same_kind"):
            return False
        return bool(((x >= self.low) & (x <= self.high)).all())

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape and np.array_equal(self.low, other.low)
                and np.array_equal(self.high, other.high))


class Dict(Space):
    """A dictionary of spaces, keyed as given (order kept): one per agent."""

    def __init__(self, spaces, seed=None):
        super().__init__(None, None, seed)
        self.spaces = dict(spaces)
        for space in self.spaces.values():
            space.seed(int(self._rng.integers(2**63)))

    def seed(self, seed=None):
        super().seed(seed)
        for space in self.spaces.values():
            space.seed(int(self._rng.integers(2**63)))
        return [seed]

    def sample(self):
        return {key: space.sample() for key, space in self.spaces.items()}

    def contains(self, x):
        return (isinstance(x, dict) and x.keys() == self.spaces.keys()
                and all(space.contains(x[key]) for key, space in self.spaces.items()))

    def __getitem__(self, key):
        return self.spaces[key]

    def __len__(self):
        return len(self.spaces)

    def keys(self):
        return self.spaces.keys()

    def items(self):
        return self.spaces.items()

    def __repr__(self):
        return "Dict(" + ", ".join(f"{k!r}: {v!r}" for k, v in self.spaces.items()) + ")"
