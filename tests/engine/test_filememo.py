"""The engine's one memory of what it derived from files (execblog/filememo.py): read again
exactly when a file's modification time or size changes."""

from __future__ import annotations

import os

import pytest

from execblog.filememo import FileMemo


def test_a_file_is_derived_again_only_when_it_changed(tmp_path) -> None:
    path = tmp_path / "post.md"
    path.write_text("first")
    reads: list[str] = []

    def derive(path):
        reads.append(path.read_text())
        return path.read_text().upper()

    memo: FileMemo[str] = FileMemo()
    assert memo.get(path, derive) == "FIRST" and memo.get(path, derive) == "FIRST"
    assert reads == ["first"]
    path.write_text("second, longer")  # a save: new size and time
    assert memo.get(path, derive) == "SECOND, LONGER"
    stat = path.stat()
    path.write_text("third, longer!")  # same size...
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # ...a later time
    assert memo.get(path, derive) == "THIRD, LONGER!"
    assert reads == ["first", "second, longer", "third, longer!"]


def test_a_failure_is_not_kept_and_a_missing_file_raises(tmp_path) -> None:
    path = tmp_path / "notebook.ipynb"
    path.write_text("{")
    memo: FileMemo[int] = FileMemo()

    def broken(path):
        raise ValueError("invalid")

    with pytest.raises(ValueError):
        memo.get(path, broken)
    assert path not in memo
    assert memo.get(path, lambda path: 1) == 1
    with pytest.raises(FileNotFoundError):
        memo.get(tmp_path / "gone.md", lambda path: 2)


def test_keep_only_forgets_the_files_a_build_no_longer_has(tmp_path) -> None:
    memo: FileMemo[str] = FileMemo()
    for name in "abc":
        (tmp_path / name).write_text(name)
        memo.get(tmp_path / name, lambda path: path.name)
    memo.keep_only([tmp_path / "a", tmp_path / "c"])
    assert sorted(path.name for path in memo) == ["a", "c"] and len(memo) == 2
