import numpy as np
import pytest
from layer_gradcheck import check_module_gradients

from nn import Flatten, Linear, ReLU, Sequential, Tanh


def _mlp():
    return Sequential(Linear(4, 5, rng=0), Tanh(), Linear(5, 3, rng=1))


def test_forward_applies_layers_in_order():
    model = _mlp()
    x = np.random.default_rng(0).standard_normal((2, 4))
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x), expected)


def test_gradients_of_a_whole_network_match_finite_differences():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert check_module_gradients(_mlp(), x) < 1e-6


def test_parameters_are_named_and_ordered_like_pytorch():
    model = Sequential(Linear(4, 5, rng=0), ReLU(), Linear(5, 3, bias=False, rng=1))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight"]
    assert [p.shape for p in model.parameters()] == [(5, 4), (5,), (3, 5)]
    assert model.num_parameters() == 20 + 5 + 15


def test_indexing_len_iteration_and_repr():
    model = _mlp()
    assert len(model) == 3
    assert isinstance(model[1], Tanh)
    assert isinstance(model[-1], Linear)
    assert len(model[:2]) == 2 and isinstance(model[:2], Sequential)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=5, bias=True)\n"
        "  (1): Tanh()\n"
        "  (2): Linear(in_features=5, out_features=3, bias=True)\n"
        ")"
    )


def test_train_and_eval_reach_every_layer():
    model = _mlp()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_clears_every_parameter():
    model = _mlp()
    model(np.ones((2, 4)))
    model.backward(np.ones((2, 3)))
    assert any(np.any(p.grad != 0) for p in model.parameters())
    model.zero_grad()
    assert all(np.all(p.grad == 0) for p in model.parameters())


def test_non_module_layer_is_rejected():
    with pytest.raises(TypeError, match="Sequential: layer 1 must be an nn.Module, got ufunc"):
        Sequential(ReLU(), np.tanh)


def test_flatten_forward_backward_and_gradients():
    flatten = Flatten()
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    y = flatten(x)
    assert y.shape == (2, 12)
    np.testing.assert_array_equal(y[1], np.arange(12.0, 24.0))
    assert flatten.backward(y).shape == x.shape
    x3 = np.random.default_rng(0).standard_normal((2, 3, 4))
    assert check_module_gradients(Flatten(), x3) < 1e-6
    assert Flatten(0, 1)(x).shape == (6, 2, 2)
    assert Flatten(1, 2)(x).shape == (2, 6, 2)


def test_flatten_bad_dims():
    with pytest.raises(ValueError, match=r"Flatten\(start_dim=1, end_dim=-1\): .*shape \(3,\)"):
        Flatten()(np.ones(3))
    with pytest.raises(ValueError, match="dimensions 2..1"):
        Flatten(2, 1)(np.ones((2, 2, 2)))
