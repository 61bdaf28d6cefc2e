"""Builds of the site for the site and browser tests: the real one, and throw-away copies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check correctness, not speed: a per-example deadline only makes them flaky
# on a loaded two-core machine (speed is measured in benchmarks/).
settings.register_profile("project", deadline=None)
settings.load_profile("project")

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]
# What a build reads; node_modules is linked rather than copied (53 MB).
COPIED = ["mkdocs.yml", "docs", "snippets", "nn", "hooks", "tests", "package.json"]


@dataclass
class Build:
    returncode: int
    output: str
    site: Path


def run_build(project: Path, site: Path, cache: Path | None = None) -> Build:
    # The caches are keyed on content, so throw-away copies can share the project's
    # (tests of the cache itself pass a private one).
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(cache or ROOT / ".cache")}
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site)],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )
    return Build(result.returncode, result.stdout + result.stderr, site)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Build:
    """The real site, built strictly once per test session."""
    site = tmp_path_factory.mktemp("site")
    build = run_build(ROOT, site)
    assert build.returncode == 0, f"strict build of the real site failed:\n{build.output}"
    return build


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A private copy of the project, safe to break."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    (copy / "node_modules").symlink_to(ROOT / "node_modules")
    return copy


@pytest.fixture
def build_copy(project_copy, tmp_path):
    def build() -> Build:
        return run_build(project_copy, tmp_path / "site")

    return build
