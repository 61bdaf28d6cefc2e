"""`make serve` rebuilds only what a save can change, and the result equals a full build."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_build

POSTS = "docs/blog/posts"
EXTRA = 23  # with the real posts, enough for several pages of the paginated index


def add_posts(project: Path) -> list[str]:
    names = []
    for n in range(1, EXTRA + 1):
        date = dt.date(2026, 10, 1) + dt.timedelta(days=n)
        name = f"{POSTS}/{date.isoformat()}-extra-{n}.md"
        (project / name).write_text(
            f"---\ndate: {date.isoformat()}\ncategories:\n  - Foundations\n"
            f"description: Extra post {n}.\n---\n\n# Extra {n}\n\nExcerpt {n} with $x^{n}$.\n\n"
            f"<!-- more -->\n\nBody {n}.\n")
        names.append(name)
    return names


def serve_builds(project: Path, site: Path, steps: list) -> list[dict]:
    edits = project.parent / "edits.json"
    edits.write_text(json.dumps(steps))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(ROOT / ".cache")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests/site/serve_driver.py"), str(site), str(edits)],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def assert_same_site(incremental: Path, full: Path, orphans: set[str] = frozenset()) -> None:
    pages = sorted(p.relative_to(full) for p in full.rglob("*.html"))
    extra = {str(p.relative_to(incremental)) for p in incremental.rglob("*.html")}
    extra -= {str(p) for p in pages}
    # A renamed page leaves its old file behind in the preview (nothing links to it).
    assert extra == set(orphans)
    stale = [str(p) for p in pages if (incremental / p).read_bytes() != (full / p).read_bytes()]
    assert not stale, f"pages that differ from a full build: {stale}"

    def search(site: Path) -> list:
        docs = json.loads((site / "search/search_index.json").read_text())["docs"]
        return sorted(json.dumps(d, sort_keys=True) for d in docs)

    assert search(incremental) == search(full)


@pytest.fixture
def project(project_copy: Path) -> Path:
    add_posts(project_copy)
    return project_copy


SCENARIOS = {
    "body": [[f"{POSTS}/2026-10-10-extra-9.md", "Body 9.", "Body 9, edited."]],
    "excerpt": [[f"{POSTS}/2026-10-10-extra-9.md", "Excerpt 9 with", "A new excerpt 9 with"]],
    "title": [[f"{POSTS}/2026-10-10-extra-9.md", "# Extra 9", "# Extra nine"]],
    "snippet": [["snippets/gradient_descent/figures.py", "good (2/11)", "best (2/11)"]],
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_save_rebuilds_few_pages_and_matches_a_full_build(project, tmp_path, scenario):
    builds = serve_builds(project, tmp_path / "served", [SCENARIOS[scenario]])
    first, second = builds
    assert first["full"]
    if scenario == "title":
        assert second["full"]  # a title shows in lists and neighbours' links
    else:
        assert not second["full"]
        rebuilt = second["rebuilt"]
        assert 1 <= len(rebuilt) <= 6, rebuilt
        if scenario == "snippet":
            assert any("gradient-descent" in url for url in rebuilt)
        else:
            assert any("extra-9" in url for url in rebuilt)
            assert "blog/" in rebuilt or any(u.startswith("blog/page/") for u in rebuilt)
    full = run_build(project, tmp_path / "full")
    assert full.returncode == 0, full.output
    orphans = {"blog/2026/10/10/extra-9/index.html"} if scenario == "title" else set()
    assert_same_site(tmp_path / "served", tmp_path / "full", orphans)


def test_inactive_outside_serve(project, tmp_path) -> None:
    # A plain build neither skips pages nor rewrites the search index.
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    assert (tmp_path / "site" / "blog" / "2026" / "10" / "10").is_dir()
