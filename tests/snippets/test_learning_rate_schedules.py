"""Every claim of the notebook post docs/blog/posts/2026-11-19-learning-rate-schedules.ipynb."""

from __future__ import annotations

import math

import pytest

from snippets.learning_rate_schedules import explore


def test_step_schedule_drops_by_gamma_every_k_epochs() -> None:
    rates = explore.learning_rates("step")
    for epoch, rate in enumerate(rates):  # index 0 is epoch e = 0
        assert rate == pytest.approx(explore.BASE_LR * 0.3 ** (epoch // 10))


def test_exponential_schedule_drops_a_little_every_epoch() -> None:
    rates = explore.learning_rates("exponential")
    for epoch, rate in enumerate(rates):
        assert rate == pytest.approx(explore.BASE_LR * 0.9**epoch)


def test_cosine_schedule_is_half_a_cosine_wave_to_zero() -> None:
    rates = explore.learning_rates("cosine", epochs=explore.EPOCHS + 1)
    for epoch, rate in enumerate(rates):
        expected = 0.5 * explore.BASE_LR * (1 + math.cos(math.pi * epoch / explore.EPOCHS))
        assert rate == pytest.approx(expected, abs=1e-15)
    assert rates[-1] == pytest.approx(0.0, abs=1e-15)


def test_constant_schedule_keeps_the_rate() -> None:
    assert set(explore.learning_rates("constant")) == {explore.BASE_LR}


@pytest.fixture(scope="module")
def results():
    return explore.compare()


@pytest.mark.slow
def test_constant_rate_ends_with_the_lowest_training_loss_for_every_seed(results) -> None:
    for seed_index, seed in enumerate(explore.SEEDS):
        final = {name: runs[seed_index][0][-1] for name, runs in results.items()}
        assert min(final, key=final.get) == "constant", (seed, final)


@pytest.mark.slow
def test_test_accuracies_differ_by_less_than_one_point_within_each_seed(results) -> None:
    winners = set()
    for seed_index, seed in enumerate(explore.SEEDS):
        accuracy = {name: runs[seed_index][1] for name, runs in results.items()}
        assert max(accuracy.values()) - min(accuracy.values()) < 0.01, (seed, accuracy)
        best = max(accuracy.values())
        winners.add(frozenset(n for n, a in accuracy.items() if a == best))
    # "which schedule comes out ahead changes from seed to seed"
    assert len(winners) > 1


def test_unknown_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown schedule 'linear'"):
        explore.make_schedule("linear", None)
