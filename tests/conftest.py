"""Builds of the site for the site and browser tests.

Two sites are built:

- the real blog, strictly, once per test run, for the tests that check what readers get:
  links, feeds, pages in Chromium. ``make test`` builds it into ``site/`` before pytest
  starts (``tests/build_site.py``) and names the record in ``BLOG_BUILT_SITE``; a bare
  ``pytest`` builds it itself, once, shared by the xdist workers through a lock;
- the small fixture site in ``tests/fixtures/site``, with the project's own engine
  (``execblog/``), ``nn``
  and configuration, for the tests of the build machinery (fault injection, the execution
  cache, the incremental preview, ``make new``). Their cost does not grow with the blog.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings

# Property tests check correctness, not speed: a per-example deadline only makes them flaky
# on a loaded two-core machine (speed is measured in benchmarks/).
settings.register_profile("project", deadline=None)
settings.load_profile("project")

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "site"
MKDOCS = [sys.executable, "-m", "mkdocs"]
# The build machinery a fixture copy shares with the real project (node_modules is linked).
MACHINERY = ["execblog", "nn", "package.json", "overrides", "docs/stylesheets", "docs/javascripts",
             "docs/assets"]


@dataclass
class Build:
    returncode: int
    output: str
    site: Path


def run_build(project: Path, site: Path, cache: Path | None = None,
              env: dict[str, str] | None = None) -> Build:
    # The caches are keyed on content, so throw-away copies can share the project's
    # (tests of the cache itself pass a private one).
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(cache or ROOT / ".cache"), **(env or {})}
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site)],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )
    return Build(result.returncode, result.stdout + result.stderr, site)


def copy_path(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copy2(source, destination)


def fixture_config() -> str:
    """The real mkdocs.yml with its page tree replaced by the fixture's."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    head, found, _ = text.partition("\nnav:\n")
    assert found, "mkdocs.yml has no top-level nav: the fixture site replaces it"
    return head + "\n" + (FIXTURE / "nav.yml").read_text(encoding="utf-8")


def make_fixture_project(destination: Path) -> Path:
    """A copy of the fixture site that builds with the project's own machinery."""
    for name in MACHINERY:
        copy_path(ROOT / name, destination / name)
    for name in ("docs", "snippets"):
        copy_path(FIXTURE / name, destination / name)
    (destination / "tests" / "snippets").mkdir(parents=True)
    (destination / "mkdocs.yml").write_text(fixture_config(), encoding="utf-8")
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    return destination


GROWN_POST = """---
date: {date}
categories:
  - {category}
description: Grown post {n}, one of many that push the blog past a page of its index.
---

# Grown post {n}

Excerpt {n} with $x^{{{n}}}$.

<!-- more -->

Body {n}: the sum $\\sum_{{k=1}}^{{{n}}} k = {total}$. Its own word is {word}.
"""


def grown_word(n: int) -> str:
    """A word only grown post ``n`` has, in letters (a search splits words at digits)."""
    return "wombat" + chr(97 + n // 26 % 26) + chr(97 + n % 26)


def grow(project: Path, count: int, first: dt.date = dt.date(2025, 10, 1)) -> list[str]:
    """Add ``count`` short posts, one a day from ``first``; returns their paths."""
    names = []
    for n in range(1, count + 1):
        date = first + dt.timedelta(days=n - 1)
        name = f"docs/blog/posts/{date.isoformat()}-grown-{n}.md"
        category = ("Foundations", "Optimization")[n % 2]
        (project / name).write_text(GROWN_POST.format(
            date=date.isoformat(), n=n, category=category, total=n * (n + 1) // 2,
            word=grown_word(n)))
        names.append(name)
    return names


@pytest.fixture
def fixture_project(tmp_path) -> Path:
    """A private copy of the fixture site, safe to break."""
    return make_fixture_project(tmp_path / "project")


@pytest.fixture
def build_fixture(fixture_project, tmp_path):
    def build() -> Build:
        return run_build(fixture_project, tmp_path / "site")

    return build


def write_build(build: Build, record: Path) -> None:
    record.write_text(json.dumps({**asdict(build), "site": str(build.site)}), encoding="utf-8")


def shared_build(tmp_path_factory, name: str, make_project) -> Build:
    """Build a site once for the whole test run, whichever xdist worker asks first."""
    depends_on_machinery()  # the build may be another worker's: its inputs, declared
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run
    record = base / f"{name}.json"
    with FileLock(str(base / f"{name}.lock")):
        if not record.is_file():
            project = make_project(base / f"{name}-project")
            build = run_build(project, base / f"{name}-site")
            write_build(build, record)
    build = read_build(record)
    assert build.returncode == 0, f"strict build of the {name} failed:\n{build.output}"
    return build


def read_build(record: Path) -> Build:
    build = Build(**json.loads(record.read_text(encoding="utf-8")))
    build.site = Path(build.site)
    return build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Build:
    """The real blog, built strictly once per test run."""
    if os.environ.get("BLOG_BUILT_SITE"):
        build = read_build(Path(os.environ["BLOG_BUILT_SITE"]))
        assert build.returncode == 0, f"strict build of the real site failed:\n{build.output}"
        return build
    return shared_build(tmp_path_factory, "real-site", lambda _: ROOT)


def pytest_collection_modifyitems(items) -> None:
    # A post's own tests are its snippets' tests (and its page's checks, marked where they
    # are written): `-m post` selects them, `-m "not post"` the rest.
    snippets = ROOT / "tests" / "snippets"
    for item in items:
        if item.path.is_relative_to(snippets):
            item.add_marker(pytest.mark.post)


@pytest.fixture(scope="session")
def built_fixture(tmp_path_factory) -> Build:
    """The fixture site, built strictly once per test run (read it, don't change it)."""
    return shared_build(tmp_path_factory, "fixture-site", make_fixture_project)


# `pytest --changed` (`make test`) runs only the tests a change can affect, by what each
# recorded it depends on when it last passed; `--record-deps` (`make test-all`) runs every
# test and records. See tests/selection.py.
from tests.selection import (  # noqa: E402, F401
    depends_on_machinery,
    pytest_addoption,
    pytest_configure,
)
