import numpy as np
import pytest

import nn
from nn.data import DataLoader, load_digits, split
from nn.schedules import StepLR
from nn.trainer import History, TrainingDiverged, evaluate, fit, predict


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 2)) * 0.3 + np.array([[0, 3], [3, 0], [-3, -3]])[y]
    return x, y


def _model(seed=0, dtype=np.float64):
    return nn.Sequential(
        nn.Linear(2, 8, dtype=dtype, rng=seed),
        nn.ReLU(),
        nn.Linear(8, 3, dtype=dtype, rng=seed + 1),
    )


def test_fit_lowers_the_loss_and_records_history():
    x, y = _blobs()
    model = _model()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    loader = DataLoader(x, y, 16, shuffle=True, rng=0)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, 5, val_data=(x, y),
                  scheduler=scheduler, progress=False)
    assert isinstance(history, History) and history.epochs == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert len(history.val_loss) == len(history.val_accuracy) == len(history.seconds) == 5
    assert history.lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    assert history.val_accuracy[-1] == 1.0
    assert all(s > 0 for s in history.seconds)


def test_a_callback_returning_true_stops_training():
    x, y = _blobs()
    model = _model()
    calls = []

    def stop_after_two(epoch, history):
        calls.append((epoch, history.epochs))
        return epoch == 2

    history = fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                  DataLoader(x, y, 16), 10, progress=False, callbacks=[stop_after_two])
    assert calls == [(1, 1), (2, 2)] and history.epochs == 2


def test_predict_and_evaluate_use_eval_mode_and_restore_it():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Dropout(0.5, rng=0))
    x, y = _blobs(10)
    out = predict(model, x, batch_size=3)
    assert out.shape == (10, 3)
    np.testing.assert_allclose(out, model[0](x), rtol=1e-12)  # dropout off
    assert model.training and model[1].training
    loss, accuracy = evaluate(model, nn.CrossEntropyLoss(), x, y, batch_size=4)
    model.eval()
    assert loss == pytest.approx(nn.CrossEntropyLoss()(model(x), y))
    assert accuracy == np.mean(model(x).argmax(1) == y)


def test_divergence_raises_with_epoch_and_step():
    x, y = _blobs()
    model = _model()
    optimizer = nn.optim.SGD(model.parameters(), lr=1e200)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step [0-9]+.*smaller learning rate"):
        with np.errstate(all="ignore"):
            fit(model, nn.CrossEntropyLoss(), optimizer, DataLoader(x, y, 8), 3, progress=False)


def test_bad_data_is_not_reported_as_divergence():
    x, y = _blobs()
    x[5, 0] = np.nan
    model = _model()
    with pytest.raises(ValueError, match="input contains NaN") as info:
        fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
            DataLoader(x, y, 8), 1, progress=False)
    assert not isinstance(info.value, TrainingDiverged)


def test_progress_bar_can_be_shown(capsys):
    x, y = _blobs(20)
    model = _model()
    fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
        DataLoader(x, y, 8), 1, progress=True)
    assert "epoch 1/1" in capsys.readouterr().err


@pytest.mark.slow
def test_mlp_reaches_97_percent_on_digits():
    x, y = load_digits()
    x_train, x_test, y_train, y_test = split(x, y, test_fraction=0.2, rng=0)
    model = nn.Sequential(nn.Linear(64, 128, rng=0), nn.ReLU(), nn.Linear(128, 10, rng=1))
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(x_train, y_train, 32, shuffle=True, rng=0)
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, 30, progress=False)
    _, accuracy = evaluate(model, nn.CrossEntropyLoss(), x_test, y_test)
    assert accuracy >= 0.97


@pytest.mark.slow
def test_float32_mlp_with_batchnorm_and_dropout_reaches_97_percent_on_digit_images():
    x, y = load_digits(np.float32, image=True)
    x_train, x_test, y_train, y_test = split(x, y, test_fraction=0.2, rng=0)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 128, dtype=np.float32, rng=0),
        nn.BatchNorm1d(128, dtype=np.float32),
        nn.ReLU(),
        nn.Dropout(0.2, rng=0),
        nn.Linear(128, 10, dtype=np.float32, rng=1),
    )
    optimizer = nn.optim.AdamW(model.parameters(), lr=3e-3)
    fit(model, nn.CrossEntropyLoss(), optimizer, DataLoader(x_train, y_train, 32, True, rng=0), 20,
        progress=False)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    _, accuracy = evaluate(model, nn.CrossEntropyLoss(), x_test, y_test)
    assert accuracy >= 0.97
