"""A page's blocks run in a scratch directory, may not write into the repository, print up
to a limit, and leave no process behind: the worker without MkDocs."""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest

from execblog.execution.cache import Block
from execblog.execution.pool import Pool
from execblog.execution.worker import WRITE_FLAGS, RepositoryWrite, WriteGuard


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text("VALUE = 3\n")
    (root / "data.txt").write_text("7\n")
    return root


def run(project: Path, *blocks: Block, **options):
    return Pool(jobs=1, root=project, **options).run(list(blocks), "test")


def stdout(result: dict) -> str:
    return "".join(o["text"] for o in result["outputs"] if o.get("name") == "stdout")


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                command = Path(f"/proc/{entry.name}/cmdline").read_bytes()
                state = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in command and state != "Z":
                found.append(int(entry.name))
    return found


def wait_until_gone(marker: str, seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def marker():
    """A unique `sleep` argument to find the test's processes by; any left are killed."""
    value = f"600.{uuid.uuid4().int % 10**9:09d}"
    yield value
    for pid in processes_with(value):
        os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------
# Output


def test_fifty_megabytes_of_lines_fail_at_the_limit_naming_the_line(project) -> None:
    code = "print('start')\nfor n in range(500_000):\n    print('x' * 99)\n"
    [result] = run(project, Block(code, timeout=600)).results
    assert result["error"].startswith("printed more than 1 MiB of output (line 3 of the block)")
    assert "max_output" in result["error"] and "execblog-execution's max_output" in result["error"]
    assert len(stdout(result)) <= 2**20  # capture stopped at the limit


def test_a_block_that_catches_the_limit_still_fails(project) -> None:
    code = "try:\n    print('x' * 5000)\nexcept BaseException:\n    pass\nprint('done')\n"
    [result] = run(project, Block(code, max_output=1000)).results
    assert result["error"].startswith("printed more than 1000 bytes of output")


def test_a_raised_limit_keeps_every_line(project) -> None:
    code = "for n in range(40_000):\n    print(f'{n:08d}' + 'x' * 91)\n"  # 4 MB
    [result] = run(project, Block(code, max_output=8 * 2**20)).results
    assert result["error"] is None
    text = stdout(result)
    assert len(text) == 40_000 * 100
    assert text.splitlines()[12345] == "00012345" + "x" * 91


def test_the_pool_limit_applies_to_every_block(project) -> None:
    [result] = run(project, Block("print('x' * 3000)"), max_output=2000).results
    assert "printed more than 1.95 KiB of output" in result["error"]


# ---------------------------------------------------------------------------------------
# The working directory and writes


def test_blocks_run_in_a_scratch_directory_removed_after_the_page(project) -> None:
    code = ("import os\nopen('out.txt', 'w').write('kept')\nos.mkdir('folder')\n"
            "print(os.getcwd())\nprint(open('out.txt').read())")
    [result] = run(project, Block(code)).results
    assert result["error"] is None, result["error"]
    cwd, text = stdout(result).splitlines()
    assert text == "kept"
    assert not Path(cwd).is_relative_to(project)
    assert not Path(cwd).exists()  # removed with the page
    assert sorted(p.name for p in project.iterdir()) == ["data.txt", "pkg"]


@pytest.mark.parametrize("code", [
    "open({data!r}, 'a').write('more')",
    "from pathlib import Path\nPath({root!r}, 'new.txt').write_text('x')",
    "import os\nos.remove({data!r})",
    "import os\nos.rename({data!r}, {root!r} + '/moved.txt')",
    "import os\nos.makedirs({root!r} + '/docs/out', exist_ok=True)",
    "import shutil\nshutil.copy({data!r}, {root!r} + '/pkg/copy.txt')",
    "import os\nfd = os.open({root!r} + '/raw.bin', os.O_CREAT | os.O_WRONLY)",
    "import numpy as np\nnp.save({root!r} + '/array.npy', np.zeros(3))",
])
def test_a_write_into_the_repository_fails_the_block_naming_the_path(project, code) -> None:
    before = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    code = code.format(root=str(project), data=str(project / "data.txt"))
    [result] = run(project, Block("x = 1\n" + code)).results
    assert result["error"] and "inside the repository" in result["error"], result["error"]
    assert result["error"].startswith("tried to write '")
    assert "(line 2 of the block)" in result["error"] or "(line 3 of the block)" in \
        result["error"]
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*")) == before
    assert (project / "data.txt").read_text() == "7\n"


def test_a_caught_refusal_still_fails_the_block(project) -> None:
    code = (f"try:\n    open({str(project / 'x.txt')!r}, 'w')\nexcept OSError as error:\n"
            "    print('caught', type(error).__name__)\n")
    [result] = run(project, Block(code)).results
    assert result["error"].startswith("tried to write 'x.txt' inside the repository;")
    assert not (project / "x.txt").exists()


def test_imports_reads_and_temporary_files_are_allowed(project) -> None:
    # Bytecode is written as an import writes it (py_compile: the environment may say
    # PYTHONDONTWRITEBYTECODE, which `make` unsets).
    code = ("import py_compile, tempfile, pkg.mod\n"
            f"print(open({str(project / 'data.txt')!r}).read().strip(), pkg.mod.VALUE)\n"
            "with tempfile.NamedTemporaryFile('w') as file:\n    file.write('x')\n"
            "print(py_compile.compile(pkg.mod.__file__))\n")
    [result] = run(project, Block(code)).results
    assert result["error"] is None, result["error"]
    first, compiled = stdout(result).splitlines()
    assert first == "7 3"
    # Bytecode is not refused, beside the module or under PYTHONPYCACHEPREFIX (as `make`
    # sets it, inside the repository).
    assert Path(compiled).name.startswith("mod.") and Path(compiled).is_file()


def test_a_relative_read_of_a_repository_file_says_where_blocks_run(project) -> None:
    [result] = run(project, Block("open('data.txt').read()")).results
    assert "FileNotFoundError" in result["error"]
    assert "scratch working directory" in result["error"]


def guard_for(root: Path, tmp_path: Path, monkeypatch) -> WriteGuard:
    monkeypatch.setattr(sys, "pycache_prefix", str(root / ".cache" / "pycache"))
    return WriteGuard(str(root), allowed=[str(tmp_path / "scratch")])


def test_the_guard_allows_bytecode_the_scratch_directory_and_reads(tmp_path, monkeypatch) -> None:
    # The hook is called directly: an installed audit hook would stay for the test run.
    root = tmp_path / "repo"
    guard = guard_for(root, tmp_path, monkeypatch)
    flags = os.O_CREAT | os.O_WRONLY
    for allowed in (root / ".cache/pycache/nn/mod.cpython-311.pyc.123",
                    root / "nn/__pycache__/mod.cpython-311.pyc", tmp_path / "scratch/a.txt",
                    tmp_path / "elsewhere.txt"):
        guard.hook("open", (str(allowed), None, flags))
        guard.hook("os.mkdir", (str(allowed.parent), 0o777, -1))
    guard.hook("open", (str(root / "nn/mod.py"), "r", os.O_RDONLY))
    guard.hook("open", (3, "w", flags))  # a descriptor: already open
    assert guard.take() == []
    assert WRITE_FLAGS & os.O_APPEND


def test_the_guard_refuses_writes_by_every_route(tmp_path, monkeypatch) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "link").symlink_to(root / "docs")
    guard = guard_for(root, tmp_path, monkeypatch)
    descriptor = os.open(root / "docs", os.O_RDONLY)
    try:
        attempts = [
            ("open", (str(root / "docs/page.md"), "w", os.O_CREAT | os.O_TRUNC)),
            ("open", (str(tmp_path / "scratch/link/page.md"), "w", os.O_CREAT)),  # a link
            ("open", (str(root / "docs/../docs/x.md"), None, os.O_RDWR)),
            ("os.remove", ("page.md", descriptor)),  # relative to a directory descriptor
            ("os.rename", (str(tmp_path / "scratch/a"), str(root / "a"), -1, -1)),
            ("shutil.rmtree", (str(root / "docs"), None)),
            ("os.mkdir", (str(root / ".cache/exec"), 0o777, -1)),  # not bytecode
        ]
        for event, args in attempts:
            with pytest.raises(RepositoryWrite, match="may not write into the repository"):
                guard.hook(event, args)
    finally:
        os.close(descriptor)
    assert guard.take() == ["docs/page.md", "docs/page.md", "docs/x.md", "docs/page.md",
                            "a", "docs", ".cache/exec"]


# ---------------------------------------------------------------------------------------
# Processes a block starts


def test_processes_a_block_starts_end_with_its_page(project, marker) -> None:
    code = (
        "import os, subprocess, sys\n"
        f"subprocess.Popen(['sleep', '{marker}'])\n"  # in the worker's group
        "if os.fork() == 0:\n"  # a forked child, that becomes `sleep`
        f"    os.execvp('sleep', ['sleep', '{marker}'])\n"
        # A daemon: a new session (out of the group), its parent gone (an orphan).
        "subprocess.run([sys.executable, '-c', 'import os, subprocess, sys; os.setsid(); "
        f"subprocess.Popen([\"sleep\", \"{marker}\"]); os._exit(0)'])\n"
        "print('started')\n"
    )
    [result] = run(project, Block(code)).results
    assert result["error"] is None and stdout(result) == "started\n", result["error"]
    assert wait_until_gone(marker) == []


def test_processes_end_when_a_block_runs_past_its_timeout(project, marker) -> None:
    code = f"import subprocess, time\nsubprocess.Popen(['sleep', '{marker}'])\ntime.sleep(60)\n"
    [result] = run(project, Block(code, timeout=3)).results
    assert "ran past its timeout of 3 s" in result["error"]
    assert wait_until_gone(marker) == []


def test_a_crash_names_the_blocks_line_from_the_workers_log(project) -> None:
    [result] = run(project, Block("x = 1\nimport ctypes\nctypes.string_at(0)")).results
    assert "crashed the worker process (SIGSEGV" in result["error"]
    assert "Fatal Python error: Segmentation fault" in result["error"]
    assert '"<executed block test-1>", line 3' in result["error"]
    assert "multiprocessing" not in result["error"]  # the machinery's frames are left out
