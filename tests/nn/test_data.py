import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import DataLoader, load_digits, split


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 12), drop_last=st.booleans(),
       shuffle=st.booleans())
def test_batches_cover_the_rows_once_with_the_right_sizes(n, batch_size, drop_last, shuffle):
    x = np.arange(n * 2.0).reshape(n, 2)
    y = np.arange(n)
    loader = DataLoader(x, y, batch_size, shuffle=shuffle, drop_last=drop_last, rng=0)
    batches = list(loader)
    assert len(batches) == len(loader)
    assert len(loader) == (n // batch_size if drop_last else -(-n // batch_size))
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows stay paired
    assert all(len(yb) == batch_size for _, yb in batches[:-1])
    if drop_last:
        assert all(len(yb) == batch_size for _, yb in batches)
    else:
        np.testing.assert_array_equal(np.sort(seen), y)
    assert len(set(seen.tolist())) == len(seen)


def test_without_shuffle_the_order_is_kept_and_with_a_seed_it_repeats():
    y = np.arange(10)
    first = np.concatenate([yb for _, yb in DataLoader(y, y, 3)])
    np.testing.assert_array_equal(first, y)
    a = [yb for _, yb in DataLoader(y, y, 4, shuffle=True, rng=1)]
    b = [yb for _, yb in DataLoader(y, y, 4, shuffle=True, rng=1)]
    for ya, yb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ya, yb)
    loader = DataLoader(y, y, 10, shuffle=True, rng=2)
    assert not np.array_equal(next(iter(loader))[1], next(iter(loader))[1])  # new epoch order


def test_bad_arguments():
    with pytest.raises(ValueError, match="same number of rows, got 3 and 4"):
        DataLoader(np.zeros((3, 2)), np.zeros(4), 2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        DataLoader(np.zeros(3), np.zeros(3), 0)
    with pytest.raises(TypeError, match="int seed or None"):
        DataLoader(np.zeros(3), np.zeros(3), 1, rng=1.5)


def test_load_digits_scaled_shapes_and_dtypes():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y).tolist()) == set(range(10))
    images, _ = load_digits(np.float32, image=True)
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float32
    np.testing.assert_array_equal(images.reshape(1797, 64), x.astype(np.float32))


def test_split_is_stratified_disjoint_and_seeded():
    x = np.arange(100.0)[:, None]
    y = np.repeat([0, 1, 2, 3], [10, 20, 30, 40])
    x_train, x_test, y_train, y_test = split(x, y, test_fraction=0.2, rng=0)
    assert len(x_test) == 20 and len(x_train) == 80
    assert np.bincount(y_test).tolist() == [2, 4, 6, 8]
    assert set(x_train[:, 0]).isdisjoint(x_test[:, 0])
    np.testing.assert_array_equal(y[x_test[:, 0].astype(int)], y_test)
    again = split(x, y, test_fraction=0.2, rng=0)
    np.testing.assert_array_equal(again[1], x_test)
    other = split(x, y, test_fraction=0.2, rng=1)
    assert not np.array_equal(other[1], x_test)
    with pytest.raises(ValueError, match="0 < test_fraction < 1, got 1.0"):
        split(x, y, test_fraction=1.0)
