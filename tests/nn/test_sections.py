"""The blog includes library code by section; every section of nn/ must be well formed."""

import re
from pathlib import Path

import pytest

NN = Path(__file__).resolve().parents[2] / "nn"
MARKER = re.compile(r"# --8<-- \[(start|end):([A-Za-z0-9_-]+)\]$")


@pytest.mark.parametrize("path", sorted(NN.glob("*.py")), ids=lambda p: p.name)
def test_sections_are_balanced_and_unique(path):
    open_sections, closed = {}, set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if "--8<--" not in line:
            continue
        match = MARKER.search(line.strip())
        assert match, f"{path.name}:{number}: malformed marker {line!r}"
        kind, name = match.groups()
        if kind == "start":
            assert name not in open_sections and name not in closed, f"{name} starts twice"
            open_sections[name] = number
        else:
            assert name in open_sections, f"{path.name}:{number}: end:{name} without start"
            del open_sections[name]
            closed.add(name)
    assert not open_sections, f"{path.name}: unterminated sections {open_sections}"


def test_the_sections_the_blog_needs_exist():
    expected = {
        "linear.py": {"forward", "backward"},
        "losses.py": {"forward", "backward"},
        "optim.py": {"gd_step", "sgd_step", "adam_step"},
        "activations.py": {"relu_forward", "relu_backward", "softmax_forward", "softmax_backward"},
    }
    for name, sections in expected.items():
        text = (NN / name).read_text()
        for section in sections:
            assert f"# --8<-- [start:{section}]" in text and f"# --8<-- [end:{section}]" in text
