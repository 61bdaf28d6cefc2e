"""Blocks of one session share variables even when some come from the cache and some run."""

from __future__ import annotations

import execute
import pytest

BLOCKS = ["a = 20", "b = a + 1", "c = 2 * b\nprint(c)", "print(c + a)"]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(execute, "CACHE_DIR", tmp_path / "exec")
    monkeypatch.setattr(execute, "state", execute.BuildState())
    return tmp_path / "exec"


def run_page(blocks: list[str]) -> list[execute.Result]:
    execute.state.page = execute.PageState(path="docs/blog/posts/example.md")
    results = [execute.execute_block(code, {"session": "s"}) for code in blocks]
    assert execute.state.page.errors == []
    return results


def test_a_miss_between_hits_replays_the_earlier_blocks(fresh_cache) -> None:
    first = run_page(BLOCKS)
    assert [r.stdout for r in first] == ["", "", "42\n", "62\n"]
    # Another build finds the first and last entries gone (say, a concurrent build had
    # not written them yet) and the middle ones cached: the last block, run for real,
    # must still see what the cached middle blocks defined.
    for position in (0, 3):
        key = execute.cache_key(BLOCKS[position], BLOCKS[:position])
        (fresh_cache / f"{key}.json").unlink()
    execute.state = execute.BuildState()
    again = run_page(BLOCKS)
    assert [r.stdout for r in again] == ["", "", "42\n", "62\n"]
    assert execute.state.ran == 2 and execute.state.cached == 2


def test_a_failing_replay_is_reported(fresh_cache) -> None:
    run_page(["x = 1", "y = x + 1"])
    execute.state = execute.BuildState()
    execute.state.page = execute.PageState(path="docs/blog/posts/example.md")
    # The first block is new code (a miss that fails), so nothing later may pretend to run.
    execute.execute_block("raise RuntimeError('boom')", {"session": "s"})
    assert any("boom" in error for error in execute.state.page.errors)
