"""Executed blocks: failures name the post, the cache runs each block once and re-runs
exactly the blocks whose code or imported project modules changed; the drift guard."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE, ROOT, copy_path, run_build

POST = "docs/blog/posts/2026-01-05-alpha-descent.md"
POSTS = ROOT / "docs" / "blog" / "posts"


def append(project: Path, relative: str, text: str) -> None:
    path = project / relative
    path.write_text(path.read_text() + text)


def counts(output: str) -> tuple[int, int]:
    match = re.search(r"Executed blocks: (\d+) ran .*?, (\d+) from cache", output)
    assert match, f"no execution summary in the build output:\n{output}"
    return int(match[1]), int(match[2])


def test_raising_block_fails_with_post_block_and_traceback(fixture_project, tmp_path) -> None:
    append(fixture_project, POST,
           '\n```python exec="on"\nvalue = 1\nraise ValueError("boom")\n```\n')
    build = run_build(fixture_project, tmp_path / "site")
    assert build.returncode != 0
    # the traceback names the raising line in the post (the block's line 2)
    raising = len((fixture_project / POST).read_text().split("\n")) - 2
    for fragment in (POST, "executed block 4", "Traceback", "ValueError: boom",
                     f'File "{POST}", line {raising}, in <module>'):
        assert fragment in build.output, fragment


def test_block_past_its_timeout_fails(fixture_project, tmp_path) -> None:
    append(fixture_project, POST, '\n```python exec="on" timeout="1"\nimport time\n'
                               'time.sleep(30)\n```\n')
    build = run_build(fixture_project, tmp_path / "site")
    assert build.returncode != 0
    assert POST in build.output and "timeout of 1 s" in build.output


def test_figure_without_alt_text_fails(fixture_project, tmp_path) -> None:
    append(fixture_project, POST, '\n```python exec="on"\nimport matplotlib.pyplot as plt\n'
                               'plt.plot([1, 2])\n```\n')
    for _ in range(2):  # the second time from the cache: still refused
        build = run_build(fixture_project, tmp_path / "site")
        assert build.returncode != 0
        assert POST in build.output and "no alt text" in build.output


def test_unknown_option_fails(fixture_project, tmp_path) -> None:
    append(fixture_project, POST, '\n```python exec="on" sesion="x"\nprint(1)\n```\n')
    build = run_build(fixture_project, tmp_path / "site")
    assert build.returncode != 0 and "sesion" in build.output


def test_cache_runs_once_and_reruns_exactly_what_changed(fixture_project, tmp_path) -> None:
    cache = tmp_path / "cache"
    # A block that imports nothing from the project, on another page.
    append(fixture_project, "docs/about.md", '\n```python exec="on"\nprint(6 * 7)\n```\n')

    def build():
        result = run_build(fixture_project, tmp_path / "site", cache=cache)
        assert result.returncode == 0, result.output
        return result

    cold = build()
    ran, cached = counts(cold.output)
    assert cached == 0 and ran >= 4
    assert "42" in (tmp_path / "site" / "about" / "index.html").read_text()

    assert counts(build().output) == (0, ran)  # warm: nothing runs

    # The alpha post's blocks import snippets/alpha_descent/steps.py (through figures.py).
    append(fixture_project, "snippets/alpha_descent/steps.py", "\n# an edit\n")
    alpha_blocks = (FIXTURE / POST).read_text().count('exec="on"')
    assert counts(build().output) == (alpha_blocks, ran - alpha_blocks)

    # Deleting the cache is safe: everything runs again and the pages are the same.
    page = next((tmp_path / "site" / "blog").glob("2026/01/05/*/index.html"))
    before = page.read_text()
    for entry in (cache / "exec").iterdir():
        entry.unlink()
    assert counts(build().output) == (ran, 0)
    assert page.read_text() == before  # deterministic output


def test_every_python_block_in_a_post_is_an_include_or_executed() -> None:
    # The drift guard: no Python in a post that no test or build runs.
    fence = re.compile(r"^```python(?P<header>[^\n]*)\n(?P<body>.*?)^```", re.M | re.S)
    offenders = []
    for post in sorted(POSTS.glob("*.md")):
        for match in fence.finditer(post.read_text()):
            body = [line for line in match["body"].splitlines() if line.strip()]
            is_include = bool(body) and all(line.strip().startswith("--8<--") for line in body)
            executed = 'exec="on"' in match["header"]
            if not (is_include or executed):
                offenders.append(f"{post.name}: {body[:1]}")
    assert not offenders, "Python blocks neither included nor executed:\n" + "\n".join(offenders)


def test_changing_a_public_function_in_nn_fails_the_tests(tmp_path) -> None:
    project = tmp_path / "project"
    for name in ("nn", "execblog", "tests/nn", "tests/conftest.py", "tests/selection.py",
                 "pyproject.toml"):
        copy_path(ROOT / name, project / name)
    linear = project / "nn" / "linear.py"
    text = linear.read_text()
    assert "x @ self.weight.data.T" in text
    linear.write_text(text.replace("x @ self.weight.data.T", "2 * x @ self.weight.data.T", 1))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         "tests/nn/test_linear.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0, result.stdout
    assert "failed" in result.stdout


def test_each_page_with_executed_blocks_offers_its_code_as_a_script(built_fixture) -> None:
    page = next((built_fixture.site / "blog").glob("2026/01/05/*/index.html"))
    script = page.parent / f"{page.parent.name}.py"
    assert f'href="{script.name}" download' in page.read_text()
    code = script.read_text()
    # Every executed block of the post, in order, and nothing else from the page.
    markdown = (FIXTURE / POST).read_text()
    blocks = re.findall(r'```python exec="on"[^\n]*\n(.*?)```', markdown, re.S)
    positions = [code.index(block.strip()) for block in blocks]
    assert positions == sorted(positions) and len(blocks) == code.count("# --- block ")
    # It runs from the root of a clone, and prints what the page shows.
    result = subprocess.run([sys.executable, str(script)], cwd=FIXTURE, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr
    assert "| good (2/11) |" in result.stdout
