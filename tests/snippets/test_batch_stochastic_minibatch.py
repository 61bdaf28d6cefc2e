"""Every claim of docs/blog/posts/2026-11-20-batch-stochastic-minibatch.md, checked.

Losses are deterministic (seeded), and so are the steps and examples it takes to reach them;
times are not (they depend on the machine and its load), so no test compares times: the post
shows them as measured at build.
"""

from __future__ import annotations

import dataclasses
import inspect
import math

import numpy as np
import pytest

from snippets.batch_stochastic_minibatch.experiment import (
    BATCH_GD,
    LEARNING_RATES,
    METHODS,
    MINI_BATCH,
    SGD,
    load_problem,
    make_model,
    train,
)
from snippets.batch_stochastic_minibatch.figures import (
    NOISE_BATCH_SIZES,
    TARGET_LOSS,
    fitted_costs,
    print_noise,
    runs,
    work_to_reach,
)
from snippets.batch_stochastic_minibatch.noise import (
    batch_gradient,
    gradient_variance,
    per_example_gradients,
    predicted_variance,
)


@pytest.fixture(scope="module")
def by_name():
    return {run.method.name: run for run in runs()}


def test_the_problem() -> None:
    x_train, x_test, y_train, y_test = load_problem()
    assert x_train.shape == (1438, 64) and x_test.shape == (359, 64)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert sum(p.data.size for p in make_model().parameters()) == 650


def test_all_methods_start_from_the_same_weights_near_ln_10(by_name) -> None:
    starts = {run.loss[0] for run in by_name.values()}
    assert len(starts) == 1
    assert abs(starts.pop() - math.log(10)) < 0.1


def test_batch_sizes_and_steps_per_epoch(by_name) -> None:
    assert by_name["batch GD"].batch_size == 1438 and by_name["batch GD"].steps_per_epoch == 1
    assert by_name["mini-batch GD"].steps_per_epoch == 45  # ceil(1438 / 32)
    assert by_name["SGD"].steps_per_epoch == 1438


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_each_learning_rate_is_the_best_of_the_grid(method) -> None:
    final = {lr: train(dataclasses.replace(method, lr=lr)).loss[-1] for lr in LEARNING_RATES}
    assert min(final, key=final.get) == method.lr


def test_the_setup_stated_in_the_post() -> None:
    assert LEARNING_RATES == (0.03, 0.1, 0.3, 1.0, 3.0)
    assert (BATCH_GD.epochs, MINI_BATCH.epochs, SGD.epochs) == (200, 10, 10)
    assert (BATCH_GD.lr, MINI_BATCH.lr, SGD.lr) == (3.0, 3.0, 0.3)
    assert BATCH_GD.lr == MINI_BATCH.lr == pytest.approx(10 * SGD.lr)
    assert inspect.signature(print_noise).parameters["draws"].default == 1000
    assert NOISE_BATCH_SIZES == (1, 8, 64, 512) and 0.3 < 512 / 1438 < 0.4


def test_mini_batch_steps_carry_more_noise_than_sgd_steps() -> None:
    # eta^2 sigma^2 / b: 3^2/32 ~ 0.28 against 0.3^2/1 = 0.09.
    assert MINI_BATCH.lr**2 / 32 == pytest.approx(0.28125)
    assert SGD.lr**2 / 1 == pytest.approx(0.09)


def test_per_epoch_sgd_is_fastest_and_batch_gd_slowest(by_name) -> None:
    batch, mini, sgd = by_name["batch GD"], by_name["mini-batch GD"], by_name["SGD"]
    for epoch in (1, 10):
        assert sgd.loss_at_epoch(epoch) < mini.loss_at_epoch(epoch) < batch.loss_at_epoch(epoch)
    # After one epoch batch GD has barely moved; the other two are far below.
    assert batch.loss_at_epoch(1) > 5 * mini.loss_at_epoch(1)


def test_sgd_ends_lowest_and_its_run_outlasts_mini_batch(by_name) -> None:
    batch, mini, sgd = by_name["batch GD"], by_name["mini-batch GD"], by_name["SGD"]
    assert sgd.loss[-1] < mini.loss[-1] < batch.loss[-1]
    # The same examples in nearly 32 times the steps: longer at any cost per step.
    total = {name: run.steps_per_epoch * run.method.epochs for name, run in by_name.items()}
    assert sgd.examples_in(total["SGD"]) == mini.examples_in(total["mini-batch GD"]) == 14380
    assert total["SGD"] == 14380 and total["mini-batch GD"] == 450
    assert 31 < total["SGD"] / total["mini-batch GD"] < 32


def test_the_costs_are_measured_and_fitted(by_name) -> None:
    # Only what does not depend on the machine's load: the build shows the measured times.
    for run in by_name.values():
        assert np.all(np.diff(run.seconds) >= 0) and run.seconds[-1] > 0
    c_step, c_example = fitted_costs()
    sgd, mini = (by_name[name].seconds_per_epoch() / by_name[name].steps_per_epoch
                 for name in ("SGD", "mini-batch GD"))
    assert c_step + c_example == pytest.approx(sgd)
    assert c_step + 32 * c_example == pytest.approx(mini)


def test_mini_batch_reaches_the_target_loss_with_the_least_work(by_name) -> None:
    work = work_to_reach()
    assert work == {"batch GD": (58, 58 * 1438), "mini-batch GD": (56, 1790),
                    "SGD": (1438, 1438)}
    (s_batch, e_batch), (s_mini, e_mini), (s_sgd, e_sgd) = work.values()
    # Fewer steps and fewer examples than batch GD: first under any costs of the model.
    assert s_mini < s_batch and e_mini < e_batch
    # Against SGD: far fewer steps for a few more examples; first unless an example costs
    # more than (s_sgd - s_mini) / (e_mini - e_sgd) steps' overhead ("more than 3.9").
    assert s_mini < s_sgd / 20 and e_sgd < e_mini < 1.3 * e_sgd
    assert (s_sgd - s_mini) / (e_mini - e_sgd) == pytest.approx(3.93, abs=0.01)
    for name, (steps, examples) in work.items():  # the counts are those of the records
        run = by_name[name]
        assert run.loss_at_epoch(steps / run.steps_per_epoch) <= TARGET_LOSS
        assert steps == run.steps_to_reach(TARGET_LOSS) and examples == run.examples_in(steps)


def test_only_the_stochastic_curves_keep_jumping(by_name) -> None:
    batch = by_name["batch GD"]
    second_half = batch.loss[batch.epochs >= batch.epochs[-1] / 2]
    assert np.all(np.diff(second_half) < 0)  # falls at every step
    assert batch.rises(second_half=True) == 0
    assert by_name["batch GD"].rises() > 0  # the early overshoot of a large step
    for name in ("mini-batch GD", "SGD"):
        run = by_name[name]
        intervals = int(np.sum(run.epochs >= run.epochs[-1] / 2)) - 1
        assert run.rises(second_half=True) >= 0.2 * intervals


def test_a_smaller_batch_step_descends_at_every_step_but_slower(by_name) -> None:
    cautious = train(dataclasses.replace(BATCH_GD, lr=1.0))
    assert np.all(np.diff(cautious.loss) < 0) and cautious.rises() == 0
    assert cautious.loss[-1] > by_name["batch GD"].loss[-1]


@pytest.fixture(scope="module")
def gradients():
    x, _, y, _ = load_problem()
    model = make_model()
    return per_example_gradients(model, x, y), batch_gradient(model, x, y)


def test_the_batch_gradient_is_the_mean_of_per_example_gradients(gradients) -> None:
    per_example, full = gradients
    np.testing.assert_allclose(per_example.mean(axis=0), full, atol=1e-14)
    x, _, y, _ = load_problem()
    rows = np.arange(100, 132)
    np.testing.assert_allclose(batch_gradient(make_model(), x[rows], y[rows]),
                               per_example[rows].mean(axis=0), atol=1e-14)


@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize("b", [1, 8, 64, 512])
def test_variance_matches_the_formula(gradients, b: int, replace: bool) -> None:
    per_example, _ = gradients
    measured = gradient_variance(per_example, b, 1000, replace, np.random.default_rng(b))
    assert measured == pytest.approx(predicted_variance(per_example, b, replace), rel=0.1)


def test_variance_falls_like_one_over_b_and_faster_without_replacement(gradients) -> None:
    per_example, _ = gradients
    with_replacement = [predicted_variance(per_example, b, True) for b in (1, 8, 64, 512)]
    np.testing.assert_allclose(np.array(with_replacement) * [1, 8, 64, 512], with_replacement[0])
    # Without replacement at b = 512 of 1438 the variance is about a third lower.
    ratio = predicted_variance(per_example, 512, False) / with_replacement[-1]
    assert ratio == pytest.approx((1438 - 512) / 1437) and ratio < 0.7
    assert predicted_variance(per_example, 1438, False) == 0.0


def test_the_mini_batch_gradient_is_unbiased(gradients) -> None:
    per_example, full = gradients
    rng = np.random.default_rng(1)
    b, draws = 8, 4000
    estimates = np.array([per_example[rng.choice(len(per_example), b)].mean(axis=0)
                          for _ in range(draws)])
    # The mean of the estimates is off by no more than its own standard error predicts.
    error = np.sum((estimates.mean(axis=0) - full) ** 2)
    assert error < 3 * predicted_variance(per_example, b, True) / draws


def test_without_replacement_is_clearly_less_noisy_at_a_third_of_the_set(gradients) -> None:
    per_example, _ = gradients
    rng = np.random.default_rng(3)
    with_replacement = gradient_variance(per_example, 512, 1000, True, rng)
    without_replacement = gradient_variance(per_example, 512, 1000, False, rng)
    assert without_replacement < 0.8 * with_replacement


def test_each_eightfold_batch_divides_the_measured_error_by_about_eight(gradients) -> None:
    per_example, _ = gradients
    rng = np.random.default_rng(4)
    measured = [gradient_variance(per_example, b, 1000, True, rng) for b in NOISE_BATCH_SIZES]
    ratios = np.array(measured[:-1]) / np.array(measured[1:])
    assert np.all((ratios > 8 / 1.25) & (ratios < 8 * 1.25))
