"""Figures and tables of "Batch, stochastic and mini-batch gradient descent", at build time."""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

import nn
from nn.trainer import evaluate
from snippets.batch_stochastic_minibatch.experiment import (
    METHODS,
    Run,
    load_problem,
    make_model,
    train,
)
from snippets.batch_stochastic_minibatch.noise import (
    gradient_variance,
    per_example_gradients,
    predicted_variance,
)

TARGET_LOSS = 0.2  # the loss the "time to reach" column asks about
COLOURS = {"batch GD": "tab:blue", "mini-batch GD": "tab:green", "SGD": "tab:red"}
NOISE_BATCH_SIZES = (1, 8, 64, 512)


@functools.cache
def runs() -> tuple[Run, ...]:
    return tuple(train(method) for method in METHODS)


def label(run: Run) -> str:
    return f"{run.method.name} (b = {run.batch_size}, η = {run.method.lr:g})"


def print_problem() -> None:
    x_train, x_test, _, _ = load_problem()
    parameters = sum(p.data.size for p in make_model().parameters())
    print(f"data:  {len(x_train)} training and {len(x_test)} test images, "
          f"{x_train.shape[1]} pixels each, 10 classes")
    print(f"model: {parameters} parameters; training loss at the common starting "
          f"weights {runs()[0].loss[0]:.3f}")


# --8<-- [start:plots]
def plot_loss(axis: str) -> plt.Figure:
    """Training loss against passes over the data (axis="epochs") or seconds ("seconds")."""
    figure, axes = plt.subplots(
        figsize=(6.4, 3.6),
        label=f"Training loss of batch, mini-batch and stochastic gradient descent on the "
        f"digits against {axis}, both axes logarithmic",
    )
    for run in runs():
        x = run.epochs if axis == "epochs" else run.seconds
        axes.loglog(x[1:], run.loss[1:], label=label(run), color=COLOURS[run.method.name],
                    linewidth=1.2)
    axes.axhline(TARGET_LOSS, color="grey", linestyle=":", linewidth=1)
    axes.set(xlabel="epochs (passes over the training set)" if axis == "epochs"
             else "training time (s)", ylabel="training loss (cross-entropy)")
    axes.legend(fontsize=8)
    return figure
# --8<-- [end:plots]


def print_costs() -> None:
    print("| method | b | steps per epoch | time per step (µs) | time per epoch (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for run in runs():
        per_epoch = run.seconds_per_epoch()
        print(f"| {run.method.name} | {run.batch_size} | {run.steps_per_epoch} "
              f"| {1e6 * per_epoch / run.steps_per_epoch:.0f} | {1e3 * per_epoch:.2f} |")


def fitted_costs() -> tuple[float, float]:
    """``(c_step, c_example)`` in seconds, from the time model
    ``time per step = c_step + b c_example`` through the measured SGD (b = 1) and
    mini-batch (b = 32) steps."""
    step = {run.batch_size: run.seconds_per_epoch() / run.steps_per_epoch for run in runs()}
    c_example = (step[32] - step[1]) / 31
    return step[1] - c_example, c_example


def work_to_reach(target: float = TARGET_LOSS) -> dict[str, tuple[int, int]]:
    """Steps and examples each method took to bring the loss to ``target``: counts, the
    same on every machine."""
    work = {}
    for run in runs():
        steps = run.steps_to_reach(target)
        work[run.method.name] = (steps, run.examples_in(steps))
    return work


def print_cost_model() -> None:
    c_step, c_example = fitted_costs()
    sgd_step = c_step + c_example
    print(f"Fitted to the measured steps: a step's fixed cost is {1e6 * c_step:.1f} µs and one "
          f"example adds {1e6 * c_example:.2f} µs, so the overhead is {c_step / sgd_step:.0%} "
          "of what an SGD step costs here.\n")
    print(f"| method | steps to loss {TARGET_LOSS:g} | examples looked at |")
    print("| --- | ---: | ---: |")
    work = work_to_reach()
    for name, (steps, examples) in work.items():
        print(f"| {name} | {steps:,} | {examples:,} |")
    (s_batch, e_batch), (s_mini, e_mini), (s_sgd, e_sgd) = work.values()
    tie = (s_sgd - s_mini) / (e_mini - e_sgd)  # where both sides of the model are equal
    print(f"\nMini-batch needs fewer steps and fewer examples than batch GD "
          f"({s_mini} against {s_batch}, {e_mini:,} against {e_batch:,}); against SGD, "
          f"{s_sgd - s_mini:,} fewer steps for {e_mini - e_sgd:,} more examples, which puts it "
          f"ahead unless one example costs more than {tie:.1f} steps' overhead. Here "
          f"an example costs {c_example / c_step:.3f} of a step's overhead.")


def print_progress() -> None:
    _, x_test, _, y_test = load_problem()
    print(f"| method | η | loss, 1 epoch | final loss | ms to loss {TARGET_LOSS:g} "
          f"| total ms | test acc. |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in runs():
        _, accuracy = evaluate(run.model, nn.CrossEntropyLoss(), x_test, y_test)
        print(f"| {run.method.name} | {run.method.lr:g} "
              f"| {run.loss_at_epoch(1):.3f} | {run.loss[-1]:.3f} "
              f"| {1e3 * run.seconds_to_reach(TARGET_LOSS):.1f} | {1e3 * run.seconds[-1]:.0f} "
              f"| {accuracy:.1%} |")


def print_rises() -> None:
    print("| method | loss records | rises, whole run | rises, second half of the run |")
    print("| --- | ---: | ---: | ---: |")
    for run in runs():
        print(f"| {run.method.name} | {len(run.loss)} | {run.rises()} "
              f"| {run.rises(second_half=True)} |")


def print_noise(draws: int = 1000) -> None:
    x, _, y, _ = load_problem()
    grads = per_example_gradients(make_model(), x, y)
    rng = np.random.default_rng(0)
    print("| b | measured, with replacement | σ²/b | measured, without replacement "
          "| σ²/b · (N − b)/(N − 1) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for b in NOISE_BATCH_SIZES:
        cells = []
        for replace in (True, False):
            cells += [gradient_variance(grads, b, draws, replace, rng),
                      predicted_variance(grads, b, replace)]
        print(f"| {b} | " + " | ".join(f"{c:.4g}" for c in cells) + " |")
