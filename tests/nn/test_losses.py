import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_gradcheck import check_loss_gradients

from nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss


def test_cross_entropy_known_value_and_gradient():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    labels = np.array([2, 0])
    criterion = CrossEntropyLoss()
    row0 = math.log(math.e + math.e**2 + math.e**3) - 3.0
    row1 = math.log(3.0)
    assert criterion(logits, labels) == pytest.approx((row0 + row1) / 2, rel=1e-15)
    z = math.e + math.e**2 + math.e**3
    expected = np.array(
        [[math.e / z, math.e**2 / z, math.e**3 / z - 1], [1 / 3 - 1, 1 / 3, 1 / 3]]
    ) / 2
    np.testing.assert_allclose(criterion.backward(), expected, rtol=1e-14)
    np.testing.assert_allclose(criterion.backward(3.0), 3 * expected, rtol=1e-14)


# The loss is about log(1 + e^-gap) beside logits of size |z|, so centred differences
# carry round-off of some ulp(|z|) / eps ~ 1e-9 per entry. When the model is sure (a gap
# of ten or more), the gradient itself is that small: only an absolute bound can judge it.
CE_ATOL = 1e-8


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), classes=st.integers(1, 5), seed=st.integers(0, 1000))
def test_cross_entropy_gradient_matches_finite_differences(n, classes, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, classes)) * 3
    labels = rng.integers(0, classes, n)
    check_loss_gradients(CrossEntropyLoss(), logits, labels, atol=CE_ATOL)


def test_a_confident_prediction_has_the_exact_tiny_gradient():
    # Found by the test above (n=1, classes=2, seed=3): a gap of 13.8 between the logits,
    # a gradient of about 1e-6 that centred differences get only to 8e-5 relative error.
    logits = np.array([[6.12275736, -7.66699509]])
    criterion = CrossEntropyLoss()
    criterion(logits, np.array([0]))
    # Two classes: the gradient is (-q, q), q = sigmoid(z1 - z0), computed here directly.
    q = 1 / (1 + math.exp(logits[0, 0] - logits[0, 1]))
    np.testing.assert_allclose(criterion.backward(), [[-q, q]], rtol=1e-9)
    assert check_loss_gradients(CrossEntropyLoss(), logits, np.array([0]),
                                atol=CE_ATOL) > 1e-6  # (relative: it needs the bound)
    with pytest.raises(AssertionError, match="relative error"):
        check_loss_gradients(CrossEntropyLoss(), logits, np.array([0]))


def test_cross_entropy_is_stable_for_huge_logits():
    with np.errstate(over="raise", invalid="raise"):
        loss = CrossEntropyLoss()(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1]))
    assert loss == pytest.approx(500.0)


def test_cross_entropy_float32_gradient():
    criterion = CrossEntropyLoss()
    loss = criterion(np.zeros((2, 3), np.float32), np.array([0, 1]))
    assert isinstance(loss, float)
    assert criterion.backward().dtype == np.float32


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([0, 3]), ValueError, r"class indices in \[0, 2\] for 3 classes, got 3"),
        (np.array([-1, 0]), ValueError, "got -1"),
        (np.array([0.0, 1.0]), TypeError, "integer class indices, got dtype float64"),
        ([0, 1], TypeError, "numpy.ndarray of class indices, got list"),
        (np.array([0, 1, 2]), ValueError, r"target of shape \(2,\).*got \(3,\)"),
    ],
)
def test_cross_entropy_bad_labels(labels, error, message):
    with pytest.raises(error, match=message) as info:
        CrossEntropyLoss()(np.zeros((2, 3)), labels)
    assert str(info.value).startswith("CrossEntropyLoss()")


def test_cross_entropy_bad_logits():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss\(\): expected logits of rank 2-D"):
        CrossEntropyLoss()(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match="logits contains NaN"):
        CrossEntropyLoss()(np.array([[np.nan, 0.0]]), np.array([0]))


def test_mse_known_value_and_gradient():
    criterion = MSELoss()
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = np.array([[0.0, 2.0], [5.0, 4.0]])
    assert criterion(x, t) == pytest.approx((1 + 0 + 4 + 0) / 4)
    np.testing.assert_allclose(criterion.backward(), [[2 * 1 / 4, 0], [2 * -2 / 4, 0]])


def test_mse_gradient_and_shape_check():
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert check_loss_gradients(MSELoss(), x, t) < 1e-6
    with pytest.raises(ValueError, match=r"MSELoss\(\): expected target of the input's shape"):
        MSELoss()(x, t[:2])


def test_bce_with_logits_known_value_stability_and_gradient():
    criterion = BCEWithLogitsLoss()
    x = np.array([0.0, 2.0, -1.0])
    t = np.array([1.0, 0.0, 0.25])
    sig = [1 / (1 + math.exp(-v)) for v in x]
    expected = -sum(
        ti * math.log(si) + (1 - ti) * math.log(1 - si) for ti, si in zip(t, sig, strict=True)
    )
    assert criterion(x, t) == pytest.approx(expected / 3, rel=1e-14)
    np.testing.assert_allclose(criterion.backward(), (np.array(sig) - t) / 3, rtol=1e-14)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert criterion(np.array([-1000.0, 1000.0]), np.array([1.0, 0.0])) == pytest.approx(1000)
    rng = np.random.default_rng(1)
    assert check_loss_gradients(criterion, rng.standard_normal((4, 3)), rng.random((4, 3))) < 1e-6
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        criterion(x, np.array([2.0, 0.0, 0.0]))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"MSELoss\(\): backward called before forward"):
        MSELoss().backward()
