"""The execution engine without MkDocs: workers, their faults, isolation, and the
dependencies recorded while blocks run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from execblog.execution import deps
from execblog.execution.cache import Block
from execblog.execution.pool import Pool, describe_exit, parse_size

MODULE = '''\
"""A project module."""

SCALE = 2


def used(x):
    return SCALE * x


@staticmethod
def decorated(x):
    return x


def unused(x):
    def inner(y):
        return y
    return inner(x) + 1


class Model:
    bias = 1

    def forward(self, x):
        return used(x) + self.bias

    def backward(self, x):
        return x
'''


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(MODULE)
    (tmp_path / "data.txt").write_text("7\n")
    return tmp_path


def run(project: Path, *blocks: Block, memory: int | None = None):
    return Pool(jobs=1, root=project, cwd=project, memory=memory).run(list(blocks), "test")


def stdout(result: dict) -> str:
    return "".join(o["text"] for o in result["outputs"] if o.get("name") == "stdout")


# ---------------------------------------------------------------------------------------
# Workers


def test_a_session_shares_variables_and_other_blocks_do_not(project) -> None:
    result = run(project, Block("a = 20", session="s"), Block("print(a + 1)", session="s"),
                 Block("print('a' in globals())"))
    assert [stdout(r) for r in result.results] == ["", "21\n", "False\n"]
    assert not result.failed


def test_each_run_is_a_fresh_process(project) -> None:
    # A page that changes shared state (a library, the legacy random state, the working
    # directory) leaves the next page as it found it.
    polluter = Block("import os, numpy\nnumpy.pi = 3\nnumpy.random.rand(5)\nos.chdir('/')")
    witness = Block("import os, numpy\nprint(numpy.pi, numpy.random.rand(), os.getcwd())")
    alone = run(project, witness).results[0]
    run(project, polluter)
    after = run(project, witness).results[0]
    assert stdout(after) == stdout(alone) and stdout(after).startswith("3.14159")
    assert str(project) in stdout(after)


@pytest.mark.parametrize(("code", "expected"), [
    ("import os\nos._exit(3)", "ended the worker process with exit status 3"),
    ("import ctypes\nctypes.string_at(0)", "crashed the worker process (SIGSEGV: a segmentation"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "was killed (SIGKILL)"),
    ("while True:\n    pass", "ran past its timeout of 1 s"),
    ("block = bytearray(3 * 2**30)", "ran out of memory: it asked for more than the worker's "
     "limit of 2 GiB"),
])
def test_a_fault_is_named_and_stops_the_page(project, code, expected) -> None:
    started = time.perf_counter()
    result = run(project, Block("print('before')"), Block(code, timeout=1),
                 Block("print('after')"), memory=2 * 2**30)
    first, fault, after = result.results
    assert stdout(first) == "before\n" and not first["error"]
    assert expected in fault["error"], fault["error"]
    assert result.failed
    if "memory" in expected:  # a MemoryError leaves the worker standing: the page goes on
        assert stdout(after) == "after\n"
    else:
        assert after.get("skipped") and not after["outputs"]
    assert time.perf_counter() - started < 30


def test_the_memory_limit_is_a_block_option_too(project) -> None:
    fault = run(project, Block("block = bytearray(2 * 2**30)", memory=parse_size("1G")))
    assert "limit of 1 GiB" in fault.results[0]["error"]
    assert not run(project, Block("block = bytearray(2 * 2**30)")).failed  # default: 4 GiB


def test_exit_codes_read_as_what_happened() -> None:
    assert "SIGABRT: an abort" in describe_exit(-6, 2**30)
    assert "exit status 1" in describe_exit(1, 2**30)


# ---------------------------------------------------------------------------------------
# Dependencies


def test_the_run_records_the_functions_that_ran_and_the_files_read(project) -> None:
    code = ("from pkg.mod import Model\nprint(Model().forward(3))\n"
            "print(open('data.txt').read().strip())")
    result = run(project, Block(code))
    assert stdout(result.results[0]) == "7\n7\n"
    recorded = deps.record(project, sorted(result.code), sorted(result.data))
    assert set(recorded["code"]["pkg/mod.py"]) == {"<module>", "used", "Model.forward"}
    assert set(recorded["data"]) == {"data.txt"}


def edited(source: str, old: str, new: str) -> dict[str, str]:
    assert old in source
    return deps.SourceUnits(source.replace(old, new, 1)).digests


def test_a_units_digest_changes_only_with_its_own_source() -> None:
    before = deps.SourceUnits(MODULE).digests
    assert set(before) == {"<module>", "used", "decorated", "unused", "unused.inner",
                           "Model.forward", "Model.backward"}

    def changed(old: str, new: str) -> set[str]:
        after = edited(MODULE, old, new)
        return {unit for unit in before if before[unit] != after.get(unit)}

    # A function's body: that function only (the module's top level is the same).
    assert changed("return x\n\n\ndef unused", "return -x\n\n\ndef unused") == {"decorated"}
    assert changed("return y", "return 2 * y") == {"unused", "unused.inner"}
    assert changed("        return x\n", "        return x  # edited\n") == {"Model.backward"}
    # What runs at import: a constant, a class attribute, a decorator, a signature.
    assert changed("SCALE = 2", "SCALE = 3") == {"<module>"}
    assert changed("bias = 1", "bias = 2") == {"<module>"}
    assert "<module>" in changed("@staticmethod", "@classmethod")
    assert "<module>" in changed("def used(x):", "def used(x, y=1):")


def test_code_belongs_to_the_innermost_function_holding_its_first_line() -> None:
    units = deps.SourceUnits(MODULE)
    lines = MODULE.splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "def inner" in text)
    assert units.unit_of(line, "inner") == "unused.inner"
    decorator = next(n for n, text in enumerate(lines, 1) if text == "@staticmethod")
    assert units.unit_of(decorator, "decorated") == "decorated"
    assert units.unit_of(1, "<module>") == "<module>"
    assert units.unit_of(lines.index("class Model:") + 1, "Model") == "<module>"


def test_recorded_dependencies_hold_until_what_ran_changes(project) -> None:
    result = run(project, Block("from pkg.mod import used\nprint(used(2))"))
    recorded = deps.record(project, sorted(result.code), sorted(result.data))
    module = project / "pkg" / "mod.py"

    def still_valid() -> bool:  # (what was read stays known until the file changes)
        return deps.unchanged(project, recorded)

    assert still_valid()
    module.write_text(MODULE.replace("        return x\n", "        return x + 1\n"))  # not run
    assert still_valid()
    module.write_text(MODULE.replace("return SCALE * x", "return SCALE * x + 1"))
    assert not still_valid()
    module.write_text(MODULE.replace("SCALE = 2", "SCALE = 2.0"))
    assert not still_valid()
    module.unlink()
    assert not still_valid()


def test_the_tracer_ignores_the_machinery(tmp_path) -> None:
    root = str(tmp_path)
    assert deps.is_project_file(f"{root}/nn/linear.py", root)
    assert not deps.is_project_file(f"{root}/execblog/execution/worker.py", root)
    assert not deps.is_project_file(f"{root}/.venv/lib/site-packages/numpy/core.py", root)
    assert not deps.is_project_file("/usr/lib/python3.11/os.py", root)
