"""Executed blocks run in worker processes: the same pages serially and in parallel, faults
named (also under the preview, which recovers), and the cache re-runs exactly the pages
whose recorded code changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_build
from tests.engine.test_execution_isolation import processes_with, wait_until_gone
from tests.site.test_execute import POST, append, counts
from tests.site.test_serve_incremental import DRIVER

BETA = "docs/blog/posts/2026-01-06-beta-layer.md"
LAST_BLOCK = "print_table()\n```\n"


def serve_builds(project: Path, site: Path, steps: list) -> list[dict]:
    """The preview's builds after each step, with a private cache (its entries are what
    decides which posts a save rebuilds)."""
    edits = project.parent / "edits.json"
    edits.write_text(json.dumps(steps))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(project.parent / "cache")}
    result = subprocess.run([sys.executable, str(DRIVER), str(site), str(edits)], cwd=project,
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def pages(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def test_one_worker_and_two_build_the_same_site(fixture_project, tmp_path) -> None:
    sites = []
    for jobs in ("1", "2"):
        site = tmp_path / f"site-{jobs}"
        build = run_build(fixture_project, site, cache=tmp_path / f"cache-{jobs}",
                          env={"BLOG_EXEC_JOBS": jobs})
        assert build.returncode == 0, build.output
        assert f"on {jobs} workers" in build.output
        assert counts(build.output)[1] == 0  # every block ran
        sites.append(pages(site))
    assert sites[0].keys() == sites[1].keys()
    differ = [name for name in sites[0] if sites[0][name] != sites[1][name]]
    assert not differ, differ


def test_a_crashing_block_fails_the_build_naming_post_block_and_line(fixture_project,
                                                                     tmp_path) -> None:
    append(fixture_project, POST, '\n```python exec="on"\nimport ctypes\n'
                                  "ctypes.string_at(0)\n```\n")
    build = run_build(fixture_project, tmp_path / "site", cache=tmp_path / "cache")
    assert build.returncode != 0
    for fragment in (POST, "executed block 4 (starting 'import ctypes')",
                     "crashed the worker process (SIGSEGV"):
        assert fragment in build.output, build.output[-3000:]


def test_only_the_posts_that_ran_an_edited_function_run_again(fixture_project,
                                                              tmp_path) -> None:
    cache = tmp_path / "cache"

    def build() -> tuple[int, int]:
        result = run_build(fixture_project, tmp_path / "site", cache=cache)
        assert result.returncode == 0, result.output
        return counts(result.output)

    def edit(relative: str, old: str, new: str) -> None:
        path = fixture_project / relative
        text = path.read_text()
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1))

    def beta_output() -> str:
        page = next((tmp_path / "site" / "blog").glob("2026/01/06/*/index.html"))
        return re.findall(r'<div class="exec-output"><pre[^>]*><code>(.*?)</code>',
                          page.read_text(), re.S)[0]

    ran, cached = build()
    total = ran
    assert cached == 0 and ran >= 5 and beta_output() == "(4, 2)\n"

    # Gradient descent's step: imported by every post that imports nn, run by none.
    edit("nn/optim.py", "p.data -= lr * p.grad", "p.data -= 1.0 * lr * p.grad")
    assert build() == (0, total)

    # Linear.forward: run by the beta post only (its layer), whose output changes.
    end = "        # --8<-" + "- [end:forward]"  # not a marker in this file
    edit("nn/linear.py", f"        return y\n{end}", f"        return y[:, :1]\n{end}")
    beta_blocks = (fixture_project / BETA).read_text().count('exec="on"')
    assert build() == (beta_blocks, total - beta_blocks)
    assert beta_output() == "(4, 1)\n"  # never stale

    # A module's top level runs when it is imported: every post that imports it.
    edit("nn/optim.py", '"""', '"""Edited.\n\n', )
    assert build() == (beta_blocks, total - beta_blocks)

    # A snippet's function that only the alpha post runs.
    alpha_blocks = (fixture_project / POST).read_text().count('exec="on"')
    edit("snippets/alpha_descent/figures.py", "return loss(path[-1])",
         "return float(loss(path[-1]))")
    assert build() == (alpha_blocks, total - alpha_blocks)


def test_the_preview_names_a_failing_block_stays_up_and_recovers(fixture_project,
                                                                  tmp_path) -> None:
    loop = '```python exec="on" timeout="2"\nwhile True:\n    pass\n```\n'
    steps = [
        [[POST, LAST_BLOCK, LAST_BLOCK + "\n" + loop]],
        [[POST, "while True:\n    pass", "import os\nos._exit(5)"]],
        [[POST, "import os\nos._exit(5)", 'print("fixed-output")']],
    ]
    first, looping, exiting, fixed = serve_builds(fixture_project, tmp_path / "served", steps)
    assert not first["errors"]
    for build, what in ((looping, "ran past its timeout of 2 s"),
                        (exiting, "ended the worker process with exit status 5")):
        message = "\n".join(build["errors"])
        assert re.search(rf"{re.escape(POST)}:\d+: executed block 4 \(starting ", message) \
            and what in message, message
    assert not fixed["errors"], fixed["errors"]
    page = next((tmp_path / "served" / "blog").glob("2026/01/05/*/index.html"))
    assert "fixed-output" in page.read_text()


def test_the_preview_rebuilds_a_post_whose_blocks_ran_an_edited_snippet(fixture_project,
                                                                         tmp_path) -> None:
    # The beta post's snippet calls the alpha post's `descend`; the beta post's Markdown
    # never names alpha's folder: only the recorded dependencies know.
    shapes = fixture_project / "snippets/beta_layer/shapes.py"
    text = shapes.read_text()
    text = text.replace("from nn import Linear\n",
                        "from nn import Linear\nfrom snippets.alpha_descent.steps import descend\n")
    text = text.replace("    layer = Linear(features_in, features_out)\n",
                        "    layer = Linear(features_in, features_out)\n"
                        "    descend(lambda t: t, np.zeros(1), 0.1, 1)\n")
    shapes.write_text(text)
    assert "alpha_descent" not in (fixture_project / BETA).read_text()
    steps = [[["snippets/alpha_descent/steps.py", "path = [np.asarray(start, dtype=float)]",
               "path = [np.array(start, dtype=float)]"]]]
    first, save = serve_builds(fixture_project, tmp_path / "served", steps)
    assert not first["errors"] and not save["errors"], save["errors"]
    assert not save["full"]
    assert any("/beta-" in url for url in save["rebuilt"]), save["rebuilt"]
    assert any("/alpha-" in url for url in save["rebuilt"]), save["rebuilt"]


# ---------------------------------------------------------------------------------------
# Output, writes and processes of blocks (their units: tests/hooks/test_execution_isolation.py)


def names_block(output: str, number: int, first_line: str, error: str) -> bool:
    """Whether the build's output names the post (and maybe its line), the block's number
    and first line, and gives ``error`` as what happened."""
    pattern = (rf"{re.escape(POST)}(:\d+)?: executed block {number} \(starting "
               rf"{re.escape(repr(first_line))}\) failed:\n{re.escape(error)}")
    assert re.search(pattern, output), output[-3000:]
    return True


def test_a_block_printing_past_the_limit_fails_naming_it_and_max_output_raises_it(
        fixture_project, tmp_path) -> None:
    block = '\n```python exec="on"{options}\nfor n in range(20_000):\n    print("x" * 99)\n```\n'
    text = (fixture_project / POST).read_text()
    (fixture_project / POST).write_text(text + block.format(options=""))
    build = run_build(fixture_project, tmp_path / "site", cache=tmp_path / "cache")
    assert build.returncode != 0
    assert names_block(build.output, 4, "for n in range(20_000):",
                       "printed more than 1 MiB of output")
    assert "max_output" in build.output and "execblog-execution's max_output" in build.output

    (fixture_project / POST).write_text(text + block.format(options=' max_output="4M"'))
    build = run_build(fixture_project, tmp_path / "site", cache=tmp_path / "cache")
    assert build.returncode == 0, build.output[-3000:]
    page = next((tmp_path / "site" / "blog").glob("2026/01/05/*/index.html")).read_text()
    assert page.count("x" * 99) == 20_000


def test_a_block_writes_into_a_scratch_directory_and_never_into_the_repository(
        fixture_project, tmp_path) -> None:
    # Before, the relative write landed in docs/ (and failed a later strict build, naming
    # no block); a write by absolute path still would.
    relative = ('\n```python exec="on"\nimport os\nos.makedirs("docs", exist_ok=True)\n'
                'open("docs/stray.md", "w").write("# Stray")\n```\n')
    append(fixture_project, POST, relative)
    build = run_build(fixture_project, tmp_path / "site", cache=tmp_path / "cache")
    assert build.returncode == 0, build.output[-3000:]
    assert not (fixture_project / "docs" / "stray.md").exists()

    absolute = fixture_project / "docs" / "stray.md"
    append(fixture_project, POST, f'\n```python exec="on"\nopen({str(absolute)!r}, "w")\n```\n')
    build = run_build(fixture_project, tmp_path / "site", cache=tmp_path / "cache")
    assert build.returncode != 0
    assert names_block(build.output, 5, f'open({str(absolute)!r}, "w")',
                       "tried to write 'docs/stray.md' inside the repository (line 1 of the "
                       "block)")
    assert not absolute.exists()


def test_a_build_read_through_a_pipe_ends_and_leaves_no_process_behind(fixture_project,
                                                                       tmp_path) -> None:
    # `make build | cat`: run_build reads the build's output to its end. A process a block
    # started used to hold that pipe open (and live on) until it ended: here, 600 s.
    marker = f"600.{os.getpid()}{len(str(tmp_path))}"
    append(fixture_project, POST, (
        '\n```python exec="on" show="none"\nimport os, subprocess, sys\n'
        f"subprocess.Popen(['sleep', '{marker}'])\n"
        "subprocess.run([sys.executable, '-c', 'import os, subprocess; os.setsid(); "
        f"subprocess.Popen([\"sleep\", \"{marker}\"]); os._exit(0)'])\n```\n"))
    # Compiled bytecode is the one write into the repository allowed (`make` puts it there).
    pycache = fixture_project / ".cache" / "pycache"
    try:
        build = run_build(fixture_project, tmp_path / "site", cache=tmp_path / "cache",
                          env={"PYTHONPYCACHEPREFIX": str(pycache),
                               "PYTHONDONTWRITEBYTECODE": ""})
        assert build.returncode == 0, build.output[-3000:]
        assert list(pycache.rglob("alpha_descent/*.pyc")), sorted(pycache.rglob("*"))[:20]
        assert wait_until_gone(marker) == []
    finally:
        for pid in processes_with(marker):
            os.kill(pid, 9)
