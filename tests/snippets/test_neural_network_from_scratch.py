"""Every claim of docs/blog/posts/2026-11-21-neural-network-from-scratch.md, checked."""

from __future__ import annotations

import contextlib
import inspect
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nn  # noqa: E402
from nn.gradcheck import gradcheck, numerical_gradient  # noqa: E402
from snippets.neural_network_from_scratch import mlp  # noqa: E402
from snippets.neural_network_from_scratch.backprop import (  # noqa: E402
    check_gradients,
    print_shape_table,
    trace_shapes,
)
from snippets.neural_network_from_scratch.figures import (  # noqa: E402
    misclassified,
    plot_misclassified,
    plot_training_curves,
    print_history,
    print_test_result,
)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def onehot(y: np.ndarray, classes: int = 10) -> np.ndarray:
    return np.eye(classes)[y]


@pytest.fixture(scope="module")
def data() -> mlp.Digits:
    return mlp.load_splits()


@pytest.fixture(scope="module")
def trained(data):
    """The model and history exactly as the post's build trains them."""
    model = mlp.make_mlp()
    history = mlp.train(model, data)
    return model, history


# --- The data ----------------------------------------------------------------------------


def test_digits_are_1797_rows_of_64_pixels_in_unit_interval() -> None:
    x, y = nn.data.load_digits()
    assert x.shape == (1797, 64) and 64 == 8 * 8
    assert y.shape == (1797,) and set(np.unique(y)) == set(range(10))
    assert x.min() == 0.0 and x.max() == 1.0


def test_splits_take_a_fifth_then_a_fifth_of_the_rest(data) -> None:
    sizes = [len(data.y_train), len(data.y_val), len(data.y_test)]
    assert len(data.x_train) == sizes[0] and len(data.x_test) == sizes[2]
    assert sum(sizes) == 1797
    assert mlp.TEST_FRACTION == 0.2
    assert sizes[2] == pytest.approx(0.2 * 1797, abs=5)
    assert sizes[1] == pytest.approx(0.2 * (1797 - sizes[2]), abs=5)
    assert sizes[2] == 359  # the "(359, 10)" comment in accuracy_on_test
    # Disjoint: no test image also appears among the training or validation images.
    seen = {r.tobytes() for r in np.concatenate([data.x_train, data.x_val])}
    assert not any(r.tobytes() in seen for r in data.x_test)


def test_each_part_keeps_the_digits_in_roughly_equal_numbers(data) -> None:
    for y in (data.y_train, data.y_val, data.y_test):
        counts = np.bincount(y, minlength=10)
        assert counts.min() >= 0.9 * counts.mean()
        assert counts.max() <= 1.1 * counts.mean()


# --- The forward pass --------------------------------------------------------------------


def test_the_model_is_64_to_128_relu_to_10_with_9610_parameters() -> None:
    model = mlp.make_mlp()
    first, relu, second = model.layers
    assert isinstance(first, nn.Linear) and isinstance(second, nn.Linear)
    assert isinstance(relu, nn.ReLU)
    assert first.weight.shape == (128, 64) and first.bias.shape == (128,)  # (out, in)
    assert second.weight.shape == (10, 128) and second.bias.shape == (10,)
    assert model.num_parameters() == 128 * 64 + 128 + 10 * 128 + 10 == 9610
    assert mlp.HIDDEN == 128
    assert model(np.zeros((5, 64))).shape == (5, 10)


def test_linear_forward_is_x_w_transpose_plus_b_row_by_row() -> None:
    rng = np.random.default_rng(0)
    layer = nn.Linear(6, 4, rng=rng)
    x = rng.normal(size=(5, 6))
    y = layer(x)
    np.testing.assert_allclose(y, x @ layer.weight.data.T + layer.bias.data)
    # Row n of Y depends only on row n of X.
    rows = np.concatenate([layer(x[n : n + 1]) for n in range(5)])
    np.testing.assert_allclose(y, rows, rtol=1e-12, atol=1e-12)


def test_two_linear_layers_without_activation_collapse_into_one() -> None:
    rng = np.random.default_rng(1)
    l1, l2 = nn.Linear(6, 5, rng=rng), nn.Linear(5, 3, rng=rng)
    x = rng.normal(size=(4, 6))
    w1, b1, w2, b2 = l1.weight.data, l1.bias.data, l2.weight.data, l2.bias.data
    one_map = x @ w1.T @ w2.T + (b1 @ w2.T + b2)
    np.testing.assert_allclose(nn.Sequential(l1, l2)(x), one_map, rtol=1e-12, atol=1e-12)
    # With the ReLU in between, it no longer is one affine map.
    assert not np.allclose(nn.Sequential(l1, nn.ReLU(), l2)(x), one_map)


# --- The loss ----------------------------------------------------------------------------


def test_cross_entropy_is_the_mean_negative_log_probability_of_the_label() -> None:
    rng = np.random.default_rng(2)
    z, y = rng.normal(size=(7, 10)), rng.integers(0, 10, size=7)
    loss = nn.CrossEntropyLoss()(z, y)
    p = softmax(z)
    assert np.allclose(p.sum(axis=1), 1) and (p > 0).all()
    assert loss == pytest.approx(np.mean(-np.log(p[np.arange(7), y])), rel=1e-12)
    log_sum_exp = np.log(np.exp(z).sum(axis=1))
    assert loss == pytest.approx(np.mean(log_sum_exp - z[np.arange(7), y]), rel=1e-12)


def test_shifting_logits_changes_nothing_and_large_logits_do_not_overflow() -> None:
    rng = np.random.default_rng(3)
    z, y = rng.normal(size=(4, 10)), rng.integers(0, 10, size=4)
    loss_fn = nn.CrossEntropyLoss()
    assert loss_fn(z + 1000.0, y) == pytest.approx(loss_fn(z, y), rel=1e-9)
    with np.errstate(over="raise"):
        assert np.isfinite(loss_fn(z * 1000.0, y))


def test_a_confident_right_answer_has_loss_near_zero_and_a_wrong_one_large() -> None:
    y = np.array([3, 7])
    assert nn.CrossEntropyLoss()(50.0 * onehot(y), y) < 1e-15
    assert nn.CrossEntropyLoss()(50.0 * onehot(9 - y), y) > 49


# --- The backward pass: each derivation against its formula and finite differences ------


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot_over_n() -> None:
    rng = np.random.default_rng(4)
    n = 6
    z, y = rng.normal(size=(n, 10)), rng.integers(0, 10, size=n)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(z, y)
    grad = loss_fn.backward()
    assert grad.shape == (n, 10)
    np.testing.assert_allclose(grad, (softmax(z) - onehot(y)) / n, rtol=1e-12, atol=1e-15)
    numeric = numerical_gradient(lambda: loss_fn(z, y), z)
    np.testing.assert_allclose(grad, numeric, atol=1e-9)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)  # each row sums to zero
    assert (grad[np.arange(n), y] < 0).all()  # descent pushes the right logit up
    others = np.ones((n, 10), bool)
    others[np.arange(n), y] = False
    assert (grad[others] > 0).all()  # and every other logit down


def test_separate_softmax_layer_gives_the_same_gradient() -> None:
    rng = np.random.default_rng(5)
    n = 5
    z, y = rng.normal(size=(n, 10)), rng.integers(0, 10, size=n)
    layer = nn.Softmax(dim=1)
    p = layer(z)
    g = -onehot(y) / (n * p)  # d(mean -log p_y)/dp
    np.testing.assert_allclose((g * p).sum(axis=1), -1 / n)
    np.testing.assert_allclose(layer.backward(g), (p - onehot(y)) / n, atol=1e-15)


def test_relu_backward_is_g_times_indicator_of_positive_input() -> None:
    rng = np.random.default_rng(6)
    z = rng.normal(size=(4, 9))
    z[np.abs(z) < 1e-3] = 0.5  # keep clear of the kink for finite differences
    g = rng.normal(size=z.shape)
    relu = nn.ReLU()
    a = relu(z)
    assert a.shape == z.shape
    grad = relu.backward(g)
    np.testing.assert_array_equal(grad, g * (z > 0))
    numeric = numerical_gradient(lambda: float(np.sum(g * relu(z))), z)
    np.testing.assert_allclose(grad, numeric, atol=1e-8)
    relu(np.zeros((1, 3)))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), 0)  # 0 at exactly z = 0


def test_linear_backward_is_gt_x_sum_g_and_g_w_with_their_shapes() -> None:
    rng = np.random.default_rng(7)
    n, d_in, d_out = 5, 6, 4
    layer = nn.Linear(d_in, d_out, rng=rng)
    x, g = rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))

    def loss(*_: np.ndarray) -> float:  # L = sum(G * Y), so that dL/dY = G
        return float(np.sum(g * layer(x)))

    layer.weight.zero_grad()
    layer.bias.zero_grad()
    layer(x)
    grad_x = layer.backward(g)
    w = layer.weight.data
    assert layer.weight.grad.shape == (d_out, d_in) and grad_x.shape == (n, d_in)
    assert layer.bias.grad.shape == (d_out,)
    np.testing.assert_allclose(layer.weight.grad, g.T @ x, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(grad_x, g @ w, rtol=1e-12)
    worst = gradcheck(loss, [layer.weight.data, layer.bias.data, x],
                      [g.T @ x, g.sum(axis=0), g @ w])
    assert worst < 1e-8


def test_parameter_gradients_accumulate_until_zero_grad() -> None:
    rng = np.random.default_rng(8)
    layer = nn.Linear(3, 2, rng=rng)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)
    layer.zero_grad()
    assert not layer.weight.grad.any()


def test_the_batch_weight_gradient_is_the_average_of_per_example_gradients() -> None:
    x, y = nn.data.load_digits()
    xb, yb = x[:6], y[:6]
    model, loss_fn = mlp.make_mlp(seed=3), nn.CrossEntropyLoss()

    def weight_grad(xs, ys):
        model.zero_grad()
        loss_fn(model(xs), ys)
        model.backward(loss_fn.backward())
        return model.layers[0].weight.grad.copy()

    per_example = [weight_grad(xb[i : i + 1], yb[i : i + 1]) for i in range(6)]
    np.testing.assert_allclose(weight_grad(xb, yb), np.mean(per_example, axis=0), atol=1e-14)


def test_the_shape_table_matches_the_post(data) -> None:
    rows = trace_shapes(mlp.make_mlp(), data.x_train[:32], data.y_train[:32])
    shapes = {name: shape for name, _, shape in rows}
    assert shapes == {
        "X": (32, 64), "W1": (128, 64), "b1": (128,), "Z1": (32, 128), "A1": (32, 128),
        "W2": (10, 128), "b2": (10,), "Z2": (32, 10), "L": (),
        "dL/dZ2": (32, 10), "dL/dW2": (10, 128), "dL/db2": (10,), "dL/dA1": (32, 128),
        "dL/dZ1": (32, 128), "dL/dW1": (128, 64), "dL/db1": (128,), "dL/dX": (32, 64),
    }
    # Every gradient has the shape of the array it belongs to.
    for name, shape in shapes.items():
        if name.startswith("dL/d"):
            assert shape == shapes[name[4:]]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_shape_table(mlp.make_mlp(), data.x_train[:32], data.y_train[:32])
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 + 17 and lines[1] == "| --- | --- | --- |"


def test_shape_table_gradients_are_the_formulas(data) -> None:
    # The formulas in the table's middle column, recomputed from the forward arrays.
    model = mlp.make_mlp()
    first, relu, second = model.layers
    xb, yb = data.x_train[:32], data.y_train[:32]
    trace_shapes(model, xb, yb)
    z1 = xb @ first.weight.data.T + first.bias.data
    a1 = np.maximum(z1, 0)
    z2 = a1 @ second.weight.data.T + second.bias.data
    g2 = (softmax(z2) - onehot(yb)) / 32
    g1 = (g2 @ second.weight.data) * (z1 > 0)
    np.testing.assert_allclose(second.weight.grad, g2.T @ a1, atol=1e-14)
    np.testing.assert_allclose(second.bias.grad, g2.sum(axis=0), atol=1e-14)
    np.testing.assert_allclose(first.weight.grad, g1.T @ xb, atol=1e-14)
    np.testing.assert_allclose(first.bias.grad, g1.sum(axis=0), atol=1e-14)


# --- The gradient check ------------------------------------------------------------------


def test_gradient_check_of_all_9610_parameters_passes() -> None:
    errors = check_gradients()
    assert list(errors) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sum(p.data.size for p in mlp.make_mlp().parameters()) == 9610
    assert all(0 <= e < 1e-6 for e in errors.values()), errors
    assert inspect.signature(gradcheck).parameters["eps"].default == 1e-6  # h = 1e-6


@pytest.mark.parametrize(("corrupt", "expected"), [(lambda g: -g, 2.0),
                                                  (lambda g: 8 * g, 7 / 8)])
def test_the_gradient_check_catches_a_flipped_sign_and_a_forgotten_mean(corrupt,
                                                                        expected) -> None:
    x, y = nn.data.load_digits()
    xb, yb = x[:8], y[:8]
    model, loss_fn = mlp.make_mlp(seed=1), nn.CrossEntropyLoss()

    def loss(*_: np.ndarray) -> float:
        return loss_fn(model(xb), yb)

    model.zero_grad()
    loss()
    model.backward(loss_fn.backward())
    weight = model.layers[2].weight
    error = gradcheck(loss, [weight.data], [corrupt(weight.grad.copy())],
                      raise_on_failure=False)
    assert error == pytest.approx(expected, rel=1e-5)


# --- The update and the loop -------------------------------------------------------------


def test_plain_sgd_step_is_p_minus_lr_times_grad() -> None:
    p = nn.Parameter(np.array([1.0, -2.0, 0.5]))
    p.grad[...] = [0.3, -0.1, 2.0]
    expected = p.data - 0.1 * p.grad
    optimizer = nn.optim.SGD([p], lr=0.1)
    assert optimizer.momentum == 0 and optimizer.weight_decay == 0
    optimizer.step()
    np.testing.assert_allclose(p.data, expected, rtol=1e-15)


def test_the_written_out_loop_equals_nn_trainer_fit(data) -> None:
    ours = mlp.make_mlp()
    history = mlp.train(ours, data, epochs=3)
    theirs = mlp.make_mlp()
    loader = nn.data.DataLoader(data.x_train, data.y_train, mlp.BATCH_SIZE, shuffle=True,
                                rng=mlp.SEED)
    reference = nn.trainer.fit(theirs, nn.CrossEntropyLoss(),
                               nn.optim.SGD(theirs.parameters(), lr=mlp.LEARNING_RATE),
                               loader, 3, val_data=(data.x_val, data.y_val), progress=False)
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(history.train_loss, reference.train_loss, rtol=1e-12)
    np.testing.assert_allclose(history.val_accuracy, reference.val_accuracy)
    assert len(loader) == int(np.ceil(len(data.y_train) / 32))


# --- Training on real digits -------------------------------------------------------------


def test_training_settings_are_the_posts() -> None:
    assert (mlp.EPOCHS, mlp.LEARNING_RATE, mlp.BATCH_SIZE) == (50, 0.1, 32)


def test_loss_falls_fast_then_slowly_and_validation_levels_off_above(trained) -> None:
    _, history = trained
    train_loss, val_loss = np.array(history.train_loss), np.array(history.val_loss)
    assert history.epochs == 50
    assert train_loss[-1] < train_loss[0] / 10
    total_drop = train_loss[0] - train_loss[-1]
    assert train_loss[0] - train_loss[4] > 0.75 * total_drop  # most of it in 5 epochs
    assert val_loss[-1] < val_loss[0] / 5
    assert val_loss[-1] > train_loss[-1]  # levels off above the training loss
    assert val_loss[-1] <= 1.05 * val_loss.min()  # not yet getting worse on new digits
    assert val_loss[-10:].std() < 0.05 * val_loss[-10:].mean()  # flat at the end
    assert min(history.val_accuracy[-10:]) >= 0.95  # levelling off near 1


def test_test_accuracy_is_at_least_97_percent(trained, data) -> None:
    model, _ = trained
    accuracy = mlp.accuracy_on_test(model, data)
    assert accuracy >= 0.97
    wrong, _ = misclassified(model, data)
    assert accuracy == pytest.approx(1 - len(wrong) / len(data.y_test))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_test_result(model, data)
    assert f"test accuracy: {accuracy:.4f}" in out.getvalue()
    assert f"{len(wrong)} wrong" in out.getvalue()


def test_misclassified_figure_shows_only_misclassified_test_digits(trained, data) -> None:
    model, _ = trained
    wrong, predicted = misclassified(model, data)
    assert len(wrong) > 0
    assert (predicted[wrong] != data.y_test[wrong]).all()
    right = np.setdiff1d(np.arange(len(data.y_test)), wrong)
    assert (predicted[right] == data.y_test[right]).all()
    figure = plot_misclassified(model, data)
    try:
        shown = [ax for ax in figure.axes if ax.images]
        assert len(shown) == min(8, len(wrong))
        assert figure.get_label().startswith(f"{len(shown)} handwritten")
        for ax, i in zip(shown, wrong, strict=False):
            assert predicted[i] != data.y_test[i]
            assert ax.get_title() == f"true {data.y_test[i]}\nsaid {predicted[i]}"
            np.testing.assert_array_equal(ax.images[0].get_array(),
                                          data.x_test[i].reshape(8, 8))
    finally:
        plt.close(figure)


def test_training_curves_plot_the_history(trained) -> None:
    _, history = trained
    figure = plot_training_curves(history)
    try:
        left, right = figure.axes
        np.testing.assert_allclose(left.lines[0].get_ydata(), history.train_loss)
        np.testing.assert_allclose(left.lines[1].get_ydata(), history.val_loss)
        np.testing.assert_allclose(right.lines[0].get_ydata(), history.val_accuracy)
        assert left.get_yscale() == "log"
        assert min(history.val_accuracy) >= right.get_ylim()[0]  # no point cut off
        assert figure.get_label()
    finally:
        plt.close(figure)


def test_printed_history_names_the_epochs(trained) -> None:
    _, history = trained
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_history(history)
    lines = out.getvalue().splitlines()
    assert lines[0] == "epochs: 50"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "epoch  1", "epoch  5", "epoch 10", "epoch 25", "epoch 50"]
