import numpy as np
import pytest

from nn.gradcheck import gradcheck, numerical_gradient, relative_error


def test_numerical_gradient_of_a_cubic_and_restores_x():
    x = np.array([1.0, -2.0, 0.5])
    original = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * original**2, rtol=1e-8)
    np.testing.assert_array_equal(x, original)


def test_numerical_gradient_refuses_float32():
    with pytest.raises(TypeError, match="must be float64.*got float32"):
        numerical_gradient(lambda: 0.0, np.zeros(2, np.float32))


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([3.0, 4.0]), np.array([3.0, 4.0])) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 0.0])) == 1.0


def test_gradcheck_accepts_a_right_gradient_and_rejects_a_wrong_one():
    a = np.array([[1.0, 2.0], [3.0, -1.0]])
    b = np.array([0.5, -1.5])

    def f(a, b):
        return float(np.sum((a @ b) ** 2))

    r = a @ b
    right = [2 * np.outer(r, b), 2 * a.T @ r]
    assert gradcheck(f, [a, b], right) < 1e-8
    wrong = [right[0], 1.01 * right[1]]
    with pytest.raises(AssertionError, match="input 1 .* relative error"):
        gradcheck(f, [a, b], wrong)
    assert gradcheck(f, [a, b], wrong, raise_on_failure=False) > 1e-3


def test_gradcheck_argument_checks():
    x = np.zeros(2)
    with pytest.raises(ValueError, match="1 inputs but 2 analytic"):
        gradcheck(lambda x: 0.0, [x], [x, x])
    with pytest.raises(ValueError, match=r"gradient 0 has shape \(3,\), input has \(2,\)"):
        gradcheck(lambda x: 0.0, [x], [np.zeros(3)])


def test_an_absolute_bound_accepts_round_off_but_not_a_wrong_gradient():
    x = np.array([1.0, 2.0])
    tiny = np.array([1e-9, -1e-9])  # the true gradient of f is zero
    with pytest.raises(AssertionError, match="relative error"):
        gradcheck(lambda x: 0.0, [x], [tiny])
    assert gradcheck(lambda x: 0.0, [x], [tiny], atol=1e-8) == pytest.approx(1.0)
    with pytest.raises(AssertionError, match=r"absolute 1\.414e-03 > 1e-08"):
        gradcheck(lambda x: 0.0, [x], [np.array([1e-3, -1e-3])], atol=1e-8)
