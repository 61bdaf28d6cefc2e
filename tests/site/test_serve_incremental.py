"""`make serve` rebuilds only what a save can change, and the result equals a full build.

The fixture site is grown past three pages of the blog index; it holds a draft and a post
dated in the future, which the preview shows (as a full `mkdocs serve` build does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, grow, run_build
from tests.site.checks import search_index

DRIVER = ROOT / "tests/site/serve_driver.py"
GROWN = 30  # with the fixture's posts, four pages of the paginated index
# Under serve the index lists, newest first: the future post, the draft, the three fixture
# posts, then grown 30, 29, ... ten to a page: grown 10 is on page 3.
ON_PAGE_3 = "docs/blog/posts/2025-10-10-grown-10.md"


def run_driver(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(ROOT / ".cache")}
    result = subprocess.run([sys.executable, str(DRIVER), *args], cwd=project, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def serve_builds(project: Path, site: Path, steps: list) -> list[dict]:
    edits = project.parent / "edits.json"
    edits.write_text(json.dumps(steps))
    result = run_driver(project, str(site), str(edits))
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def assert_same_site(incremental: Path, full: Path) -> None:
    pages = sorted(p.relative_to(full) for p in full.rglob("*.html"))
    extra = {str(p.relative_to(incremental)) for p in incremental.rglob("*.html")}
    extra -= {str(p) for p in pages}
    # A renamed page's old file is removed (it would stay in the preview and its search).
    assert not extra, extra
    stale = [str(p) for p in pages if (incremental / p).read_bytes() != (full / p).read_bytes()]
    assert not stale, f"pages that differ from a full build: {stale}"

    # Search is indexed from the written pages (after the save, in the background).
    assert search_index(incremental) == search_index(full)


@pytest.fixture
def project(fixture_project: Path) -> Path:
    grow(fixture_project, GROWN)
    return fixture_project


SCENARIOS = {
    "body": [[ON_PAGE_3, "Body 10:", "Body 10, edited:"]],
    "excerpt": [[ON_PAGE_3, "Excerpt 10 with", "A new excerpt 10 with"]],
    "title": [[ON_PAGE_3, "# Grown post 10", "# Grown post ten"]],
    "snippet": [["snippets/alpha_descent/figures.py", "good (2/11)", "best (2/11)"]],
    "draft": [["docs/blog/posts/2026-01-08-zebra-draft.md", "Not ready.", "Nearly ready."]],
    # Every post's References come from it: a full rebuild.
    "bibliography": [["docs/references.bib", "A Stochastic Approximation Method",
                      "A Stochastic Approximation Method, Edited"]],
    "two saves": [[ON_PAGE_3, "Body 10:", "Body 10, edited:"],
                  ["docs/blog/posts/2025-10-01-grown-1.md", "Excerpt 1 with", "Excerpt one"]],
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_save_rebuilds_few_pages_and_matches_a_full_build(project, tmp_path, scenario):
    steps = [[edit] for edit in SCENARIOS[scenario]]  # one save per edit
    first, *saves = serve_builds(project, tmp_path / "served", steps)
    assert first["full"]
    for save, (path, _, _) in zip(saves, SCENARIOS[scenario], strict=True):
        if scenario in ("title", "bibliography"):
            assert save["full"]  # a title shows in lists and neighbours' links
            continue
        assert not save["full"]
        rebuilt = save["rebuilt"]
        assert 1 <= len(rebuilt) <= 6, rebuilt
        if scenario == "snippet":
            assert any("alpha" in url for url in rebuilt)
        else:
            number = Path(path).stem.rsplit("-", 1)[1]  # grown-10 -> "Grown post 10"
            slug = f"/grown-post-{number}/" if "grown" in path else "/zebra-draft-post/"
            assert any(url.endswith(slug) for url in rebuilt), rebuilt
            assert "blog/" in rebuilt or any(u.startswith("blog/page/") for u in rebuilt)
    if scenario == "body":
        assert "blog/page/3/" in saves[0]["rebuilt"], saves[0]["rebuilt"]
    run_driver(project, "--full", str(tmp_path / "full"))
    assert_same_site(tmp_path / "served", tmp_path / "full")


def test_inactive_outside_serve(project, tmp_path) -> None:
    # A plain build neither skips pages nor rewrites the search index, and leaves the
    # draft and the future post out.
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    assert (tmp_path / "site" / "blog" / "2025" / "10" / "10").is_dir()
    assert not (tmp_path / "site" / "blog" / "2026" / "01" / "08").exists()
    assert not (tmp_path / "site" / "blog" / "2099").exists()
