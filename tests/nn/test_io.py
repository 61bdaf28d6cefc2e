import numpy as np
import pytest

import nn
from nn.io import load, save, state_dict


def _model(seed=0, hidden=5):
    return nn.Sequential(
        nn.Linear(3, hidden, rng=seed), nn.BatchNorm1d(hidden), nn.ReLU(),
        nn.Linear(hidden, 2, rng=seed + 1),
    )


def _trained(seed=0):
    model = _model(seed)
    x = np.random.default_rng(seed).standard_normal((8, 3))
    model(x)  # moves the running statistics away from (0, 1)
    return model


def _snapshot(model):
    return {k: v.copy() for k, v in state_dict(model).items()}


def test_state_names_include_batchnorm_buffers():
    assert list(state_dict(_model())) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias",
        "1.running_mean", "1.running_var",
    ]


def test_round_trip_restores_parameters_buffers_and_outputs(tmp_path):
    source, target = _trained(0), _model(seed=9)
    path = save(source, tmp_path / "model.npz")
    assert path.exists() and not list(tmp_path.glob(".*tmp"))  # no temporary file left
    weight = target[0].weight.data
    load(target, path)
    assert target[0].weight.data is weight  # in place: optimisers still see the arrays
    for key, value in state_dict(source).items():
        np.testing.assert_array_equal(state_dict(target)[key], value)
    x = np.random.default_rng(5).standard_normal((4, 3))
    np.testing.assert_array_equal(source.eval()(x), target.eval()(x))


def test_shape_mismatch_names_file_key_expected_and_actual_and_changes_nothing(tmp_path):
    path = save(_trained(0), tmp_path / "model.npz")
    target = _model(seed=9, hidden=6)
    before = _snapshot(target)
    with pytest.raises(ValueError, match=r"model.npz.*key '0.weight': expected shape \(6, 3\) "
                                         r"and dtype float64, got shape \(5, 3\)"):
        load(target, path)
    for key, value in state_dict(target).items():
        np.testing.assert_array_equal(value, before[key])


def test_dtype_mismatch(tmp_path):
    source = nn.Sequential(nn.Linear(3, 2, dtype=np.float32, rng=0))
    path = save(source, tmp_path / "model.npz")
    with pytest.raises(ValueError, match="key '0.weight'.*dtype float64, got .*float32"):
        load(nn.Sequential(nn.Linear(3, 2, rng=0)), path)


def test_missing_and_unexpected_keys(tmp_path):
    path = save(nn.Sequential(nn.Linear(3, 2, rng=0)), tmp_path / "model.npz")
    with pytest.raises(ValueError, match=r"missing keys \[\].*unexpected keys \['0.bias'\]"):
        load(nn.Sequential(nn.Linear(3, 2, bias=False, rng=0)), path)
    with pytest.raises(ValueError, match=r"missing keys \['1.weight', '1.bias'\]"):
        load(nn.Sequential(nn.Linear(3, 2, rng=0), nn.Linear(2, 2, rng=0)), path)


@pytest.mark.parametrize("keep", [0, 10, 100, 400, -30, -1])
def test_truncated_file_is_a_clear_error_and_leaves_the_model_unchanged(tmp_path, keep):
    path = save(_trained(0), tmp_path / "model.npz")
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    target = _model(seed=9)
    before = _snapshot(target)
    with pytest.raises(ValueError, match="load: cannot read .*model.npz"):
        load(target, path)
    for key, value in state_dict(target).items():
        np.testing.assert_array_equal(value, before[key])


def test_missing_file_and_bad_suffix(tmp_path):
    with pytest.raises(ValueError, match="cannot read .*absent.npz"):
        load(_model(), tmp_path / "absent.npz")
    with pytest.raises(ValueError, match="path ending in .npz"):
        save(_model(), tmp_path / "model.pt")


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, **{"0.weight": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="cannot read"):
        load(nn.Sequential(nn.Linear(3, 2, rng=0)), path)


def test_flipped_byte_is_caught_by_the_checksum(tmp_path):
    path = save(_trained(0), tmp_path / "model.npz")
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF  # inside the first array's data
    path.write_bytes(bytes(data))
    target = _model(seed=9)
    before = _snapshot(target)
    with pytest.raises(ValueError, match="cannot read"):
        load(target, path)
    for key, value in state_dict(target).items():
        np.testing.assert_array_equal(value, before[key])


def test_save_and_load_are_at_the_package_top_level_like_torch(tmp_path):
    # nn.save / nn.load, as torch.save / torch.load, are the functions of nn.io.
    assert nn.save is save and nn.load is load
    assert {"save", "load", "io"} <= set(nn.__all__)
    model, other = _trained(0), _model(seed=1)
    path = nn.save(model, tmp_path / "model.npz")
    assert nn.load(other, path) is other
    for key, value in state_dict(model).items():
        np.testing.assert_array_equal(state_dict(other)[key], value)
