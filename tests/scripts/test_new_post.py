"""`make new`: creates a draft post, its snippet module and its test, all or nothing.
Run on a copy of the fixture site (which already holds a draft and a future post)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_build

DATE = "2026-11-22"


@pytest.fixture
def project(fixture_project: Path) -> Path:
    shutil.copytree(ROOT / "scripts", fixture_project / "scripts")
    shutil.copy2(ROOT / "pyproject.toml", fixture_project / "pyproject.toml")
    return fixture_project


def new(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/new_post.py", "--date", DATE, *args],
        cwd=project, capture_output=True, text=True, timeout=60,
    )


def test_creates_post_snippet_and_test_that_build_and_pass(project, tmp_path) -> None:
    result = new(project, "--title", "Backpropagation through time")
    assert result.returncode == 0, result.stderr
    post = project / f"docs/blog/posts/{DATE}-backpropagation-through-time.md"
    snippet = project / "snippets/backpropagation_through_time/example.py"
    test = project / "tests/snippets/test_backpropagation_through_time.py"
    for path in (post, snippet, test):
        assert path.is_file()
        assert str(path.relative_to(project)) in result.stdout  # it says what it made
    assert "make serve" in result.stdout
    text = post.read_text()
    assert f"date: {DATE}" in text and "draft: true" in text
    assert '--8<-- "backpropagation_through_time/example.py:idea"' in text

    # The generated test passes, and the site still builds strictly.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=project, capture_output=True, text=True, timeout=120,
    )
    assert tests.returncode == 0, tests.stdout
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    # A draft is not published by `make build`.
    assert not list((tmp_path / "site" / "blog").glob("2026/11/22/backprop*"))


def test_the_placeholder_blocks_publishing(project, tmp_path) -> None:
    assert new(project, "--title", "Attention").returncode == 0
    post = project / f"docs/blog/posts/{DATE}-attention.md"
    post.write_text(post.read_text().replace("draft: true\n", ""))
    build = run_build(project, tmp_path / "site")
    assert build.returncode != 0
    assert post.name in build.output and "placeholder" in build.output


def test_unicode_title_gives_an_ascii_slug_in_the_file_name_and_the_url(project, tmp_path):
    result = new(project, "--title", "Échantillonnage à 2 pas: ça marche?")
    assert result.returncode == 0, result.stderr
    post = project / f"docs/blog/posts/{DATE}-echantillonnage-a-2-pas-ca-marche.md"
    assert (project / "snippets/echantillonnage_a_2_pas_ca_marche/example.py").is_file()
    assert "slug: echantillonnage-a-2-pas-ca-marche\n" in post.read_text()
    # Published, the post is served at the ASCII slug, not at one made from the title.
    post.write_text(post.read_text().replace("draft: true\n", "").replace(
        "TODO: one line that says what the reader will learn.", "Sampling in two steps."))
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    day = tmp_path / "site" / "blog" / DATE.replace("-", "/")
    assert [p.name for p in day.iterdir()] == ["echantillonnage-a-2-pas-ca-marche"]


def test_a_slug_that_is_not_ascii_fails_the_build(project, tmp_path) -> None:
    post = project / "docs/blog/posts/2026-01-05-alpha-descent.md"
    post.write_text(post.read_text().replace("date: 2026-01-05\n",
                                             "date: 2026-01-05\nslug: über-alpha\n"))
    build = run_build(project, tmp_path / "site")
    assert build.returncode != 0
    assert post.name in build.output and "slug: expected lower-case ASCII" in build.output


def test_notebook_post_opens_in_jupyter_and_builds(project, tmp_path) -> None:
    import nbformat

    result = new(project, "--title", "Schedules", "--category", "Notebooks", "--notebook", "1")
    assert result.returncode == 0, result.stderr
    post = project / f"docs/blog/posts/{DATE}-schedules.ipynb"
    # What JupyterLab opens without repairing it: nbformat 4.5, valid, a cell id each.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook = nbformat.read(post, as_version=4)
        nbformat.validate(notebook)
    assert notebook.nbformat_minor == 5 and all(cell.get("id") for cell in notebook.cells)
    assert notebook.metadata.kernelspec.name == "python3"
    # Published, it builds strictly, and its code cell shows its last value as Jupyter does.
    post.write_text(post.read_text().replace('"draft: true\\n",\n', "").replace(
        "TODO: one line that says what the reader will learn.", "Schedules, explored."))
    assert "draft" not in post.read_text()
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    page = next((tmp_path / "site" / "blog").glob(f"{DATE.replace('-', '/')}/schedules/index.html"))
    assert '<div class="exec-output exec-result"><pre><code>6.0</code>' in page.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "   "], "--title is empty"),
        (["--title", "!!!"], "no ASCII letters or digits"),
        (["--title", "Gradient descent", "--category", "Cooking"], "--category: 'Cooking' is not allowed"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(project, args, message) -> None:
    before = sorted(p for p in project.rglob("*") if p.is_file())
    result = new(project, *args)
    assert result.returncode == 2 and message in result.stderr
    assert sorted(p for p in project.rglob("*") if p.is_file()) == before


def test_existing_slug_is_refused(project) -> None:
    assert new(project, "--title", "Momentum").returncode == 0
    before = sorted(p for p in project.rglob("*") if p.is_file())
    result = subprocess.run(
        [sys.executable, "scripts/new_post.py", "--date", "2026-11-23", "--title", "Momentum"],
        cwd=project, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "already exists" in result.stderr
    assert sorted(p for p in project.rglob("*") if p.is_file()) == before


def test_refuses_to_overwrite_and_writes_nothing(project) -> None:
    test = project / "tests/snippets/test_dropout_as_ensembles.py"
    test.write_text("# the author's own file\n")
    result = new(project, "--title", "Dropout as ensembles")
    assert result.returncode == 2 and "refusing to overwrite" in result.stderr
    assert test.read_text() == "# the author's own file\n"
    assert not (project / f"docs/blog/posts/{DATE}-dropout-as-ensembles.md").exists()
    assert not (project / "snippets/dropout_as_ensembles").exists()
