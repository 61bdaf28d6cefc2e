"""Mini-batches (``DataLoader``) and the small bundled digits data set."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from nn.init import as_generator


class DataLoader:
    """Iterate over ``(x_batch, y_batch)`` pairs of ``batch_size`` rows.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, ...)
    y : numpy.ndarray, shape (N, ...)
        Inputs and targets; row ``i`` of ``x`` goes with row ``i`` of ``y``.
    batch_size : int
    shuffle : bool
        Draw a fresh permutation of the rows at the start of every pass.
    drop_last : bool
        Skip the final batch when it is smaller than ``batch_size``.
    rng : numpy.random.Generator, int or None
        Source of the permutations; an int is a seed.

    Notes
    -----
    ``len(loader)`` is the number of batches per pass:
    :math:`\\lceil N / B \\rceil`, or :math:`\\lfloor N / B \\rfloor` with ``drop_last``.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"DataLoader: x and y need a batch axis, got shapes {x.shape} "
                             f"and {y.shape}")
        if len(x) != len(y):
            raise ValueError(f"DataLoader: x and y must have the same number of rows, "
                             f"got {len(x)} and {len(y)}")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, "
                             f"got {batch_size!r}")
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = as_generator(rng)

    def __len__(self) -> int:
        n = len(self.x)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.x)
        order = self.rng.permutation(n) if self.shuffle else None
        for k in range(len(self)):
            rows = slice(k * self.batch_size, min((k + 1) * self.batch_size, n))
            if order is None:
                yield self.x[rows], self.y[rows]
            else:
                index = order[rows]
                yield self.x[index], self.y[index]


def load_digits(
    dtype: type | np.dtype = np.float64, image: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten 8x8 digits bundled with scikit-learn (no download).

    Returns
    -------
    x : numpy.ndarray
        Pixel intensities scaled from 0..16 to [0, 1], of ``dtype``; shape ``(1797, 64)``,
        or ``(1797, 1, 8, 8)`` with ``image=True`` (NCHW, one channel).
    y : numpy.ndarray of int64, shape (1797,)
        The digit, 0 to 9.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "nn.data.load_digits needs scikit-learn (a docs/test dependency): "
            "install the 'docs' or 'test' dependency group"
        ) from error
    bunch = sklearn_load_digits()
    x = (bunch.data / 16.0).astype(dtype)
    if image:
        x = x.reshape(-1, 1, 8, 8)
    return x, bunch.target.astype(np.int64)


def split(
    x: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.2,
    rng: np.random.Generator | int | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stratified, seeded train/test split: ``x_train, x_test, y_train, y_test``.

    From each class, ``round(test_fraction * count)`` rows drawn at random go to the test
    set, so both sets keep the class proportions. Rows keep their original relative order
    within each set. ``y`` holds class labels, shape ``(N,)``.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"split: x and y must have the same number of rows, "
                         f"got {len(x)} and {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"split: expected 0 < test_fraction < 1, got {test_fraction}")
    generator = as_generator(rng)
    is_test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        count = round(test_fraction * len(rows))
        is_test[generator.choice(rows, size=count, replace=False)] = True
    return x[~is_test], x[is_test], y[~is_test], y[is_test]
