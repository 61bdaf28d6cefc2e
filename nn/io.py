"""Save and load a model's state (parameters and buffers) as a NumPy ``.npz`` file.

The keys are the names from ``model.named_parameters()`` (``"0.weight"``, ...) plus the
buffers a layer lists in ``_buffer_names`` (BatchNorm's ``running_mean``/``running_var``),
named the same way. Loading checks every key, shape and dtype before it assigns anything,
so a wrong or damaged file leaves the model unchanged.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from nn.module import Module


def _named_buffers(module: Module, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
    for name in getattr(module, "_buffer_names", ()):
        yield f"{prefix}{name}", getattr(module, name)
    if hasattr(module, "named_children"):
        children = module.named_children()
    else:
        children = _attribute_children(module)
    for name, child in children:
        yield from _named_buffers(child, f"{prefix}{name}.")


def _attribute_children(module: Module) -> Iterator[tuple[str, Module]]:
    """Sub-modules in the order and with the names ``Module.named_parameters`` uses."""
    for name, value in vars(module).items():
        if isinstance(value, Module):
            yield name, value
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, Module):
                    yield f"{name}.{i}", item


def state_dict(model: Module) -> dict[str, np.ndarray]:
    """Name -> array (not copies) of every parameter and buffer of ``model``."""
    state: dict[str, np.ndarray] = {}
    for name, array in [(n, p.data) for n, p in model.named_parameters()] + list(
        _named_buffers(model)
    ):
        if name in state:
            raise ValueError(f"state_dict: two arrays are named {name!r}")
        state[name] = array
    return state


def save(model: Module, path: str | os.PathLike) -> Path:
    """Write the model's state to ``path`` (``.npz``), atomically.

    The file is written next to its destination under a temporary name and moved into
    place with ``os.replace``, so a crash never leaves a half-written file at ``path``.
    Returns the path.
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"save: expected a path ending in .npz, got {str(path)!r}")
    state = state_dict(model)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **state)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(model: Module, path: str | os.PathLike) -> Module:
    """Read a state written by :func:`save` into ``model``, in place; return the model.

    Raises
    ------
    ValueError
        If the file cannot be read (missing, truncated, not an ``.npz``), or its keys,
        shapes or dtypes differ from the model's; the message names the file, the key, and
        what was expected and found. Nothing is assigned unless everything matches.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            stored = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"load: cannot read {str(path)!r}: {error}") from error
    state = state_dict(model)
    missing = [key for key in state if key not in stored]
    unexpected = [key for key in stored if key not in state]
    if missing or unexpected:
        raise ValueError(
            f"load: {str(path)!r} does not match the model: missing keys {missing}, "
            f"unexpected keys {unexpected}"
        )
    for key, target in state.items():
        found = stored[key]
        if found.shape != target.shape or found.dtype != target.dtype:
            raise ValueError(
                f"load: {str(path)!r}, key {key!r}: expected shape {target.shape} and dtype "
                f"{target.dtype}, got shape {found.shape} and dtype {found.dtype}"
            )
    for key, target in state.items():
        target[...] = stored[key]  # in place: optimisers keep references to these arrays
    return model
