"""`make new`: creates a draft post, its snippet module and its test, all or nothing.
Run on a copy of the fixture site (which already holds a draft and a future post), through
the real Makefile (`make new TITLE=...`) or the script itself."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_build

DATE = "2026-11-22"
POSTS = "docs/blog/posts"


@pytest.fixture
def project(fixture_project: Path) -> Path:
    shutil.copytree(ROOT / "scripts", fixture_project / "scripts")
    for name in ("pyproject.toml", "requirements.lock", "Makefile"):
        shutil.copy2(ROOT / name, fixture_project / name)  # old times: the stamp is newer
    (fixture_project / ".stamp").touch()
    return fixture_project


def make_new(project: Path, **variables: str) -> subprocess.CompletedProcess:
    """``make new NAME=value ...`` with the project's own Makefile, each variable one argument
    (as a shell passes ``TITLE='...'``); the environment set up already (BIN, STAMP)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"TITLE", "CATEGORY", "NOTEBOOK", "SLUG", "DATE", "MAKEFLAGS", "MFLAGS",
                        "MAKELEVEL"}}
    return subprocess.run(
        ["make", "-s", "new", f"BIN={Path(sys.executable).parent}", "STAMP=.stamp",
         *(f"{name}={value}" for name, value in variables.items())],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )


def written(project: Path) -> list[Path]:
    """Every file where `make new` writes."""
    return sorted(p for folder in (POSTS, "snippets", "tests") for p in
                  (project / folder).rglob("*") if p.is_file())


def front_matter_and_heading(post: Path) -> tuple[dict, str]:
    front = re.match(r"---\n(.*?\n)---\n", post.read_text(encoding="utf-8"), re.DOTALL)
    heading = next(line for line in front.string[front.end():].splitlines()
                   if line.startswith("# "))
    return yaml.safe_load(front[1]), heading


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
    assert ('<div class="exec-output exec-result"><pre style="--code-lines: 1; --code-cols: 3">'
            '<code>6.0</code>' in page.read_text())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "   "], "--title is empty"),
        (["--title", "!!!"], "no ASCII letters or digits"),
        (["--title", "Gradient descent", "--category", "Cooking"],
         "--category: 'Cooking' is not allowed"),
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


# --- Through `make new`: the title reaches the script as typed ------------------------------


def test_make_new_runs_nothing_in_the_title_and_keeps_it(project, tmp_path) -> None:
    # Before: the recipe pasted TITLE into a shell string, so the backticks ran `touch`, and
    # make expanded $(shell ...) when it exported the command-line variable.
    markers = [tmp_path / f"ran-{n}" for n in range(3)]
    title = (f"Speed of `touch {markers[0]}` here, $(touch {markers[1]}) "
             f"and $(shell touch {markers[2]})")
    result = make_new(project, TITLE=title, DATE=DATE)
    assert result.returncode == 0, result.stderr
    assert not any(marker.exists() for marker in markers)
    [post] = (project / POSTS).glob(f"{DATE}-*.md")
    meta, heading = front_matter_and_heading(post)
    assert meta["title"] == title and heading == f"# {title}"


@pytest.mark.parametrize("title", [
    "The $O(n^2)$ cost of attention",
    'Why "attention" works',
    "It's `x` & $y$ \\ 100% {z} # not a comment $$",
])
def test_make_new_keeps_dollars_and_quotes(project, title) -> None:
    result = make_new(project, TITLE=title, DATE=DATE)
    assert result.returncode == 0, result.stderr
    [post] = (project / POSTS).glob(f"{DATE}-*.md")
    meta, heading = front_matter_and_heading(post)
    assert meta["title"] == title and heading == f"# {title}"


def test_make_new_shortens_a_long_title_to_a_bounded_slug(project) -> None:
    title = " ".join(f"word{n}" for n in range(50))  # 339 characters
    result = make_new(project, TITLE=title, DATE=DATE)
    assert result.returncode == 0, result.stderr  # before: OSError, File name too long
    [post] = (project / POSTS).glob(f"{DATE}-*.md")
    slug = post.stem[len(DATE) + 1:]
    assert len(slug) <= 60 and "-".join(title.split()).startswith(slug + "-")  # whole words
    meta, heading = front_matter_and_heading(post)
    assert meta["slug"] == slug and meta["title"] == title and heading == f"# {title}"


def test_make_new_asks_for_a_slug_when_the_title_has_no_ascii_letters(project) -> None:
    before = written(project)
    result = make_new(project, TITLE="注意力机制", DATE=DATE)
    assert result.returncode != 0 and written(project) == before
    command = "make new TITLE='注意力机制' SLUG=your-words-here DATE=2026-11-22"
    assert command in result.stderr
    # The command it gives works, run by a shell as a reader would paste it.
    words = shlex.split(command.replace("your-words-here", "attention-mechanism"))
    result = make_new(project, **dict(word.split("=", 1) for word in words[2:]))
    assert result.returncode == 0, result.stderr
    post = project / POSTS / f"{DATE}-attention-mechanism.md"
    meta, heading = front_matter_and_heading(post)
    assert meta["title"] == "注意力机制" and heading == "# 注意力机制"
    assert meta["slug"] == "attention-mechanism"


@pytest.mark.parametrize(("variables", "message"), [
    ({"DATE": "22/11/2026"}, "DATE: expected an ISO date YYYY-MM-DD such as 2026-11-22, "
                             "got '22/11/2026'"),
    ({"DATE": "2026-02-30"}, "got '2026-02-30'"),
    ({"SLUG": "Back_Prop"}, "SLUG: expected lower-case ASCII letters and digits in words "
                            "joined by '-', at most 60 characters, got 'Back_Prop'"),
    ({"SLUG": "a" * 61}, "at most 60 characters"),
    ({"NOTEBOOK": "maybe"}, "NOTEBOOK: expected 1 (a notebook post) or 0 (Markdown), "
                            "got 'maybe'"),
    ({"TITLE": "Two\nlines"}, "TITLE holds a line break (U+000A) at character 4"),
    ({"TITLE": "A\ttab"}, "TITLE holds a tab (U+0009)"),
    ({"CATEGORY": "Cooking"}, "CATEGORY: 'Cooking' is not allowed"),
])
def test_make_new_refuses_bad_arguments_naming_them(project, variables, message) -> None:
    before = written(project)
    result = make_new(project, **{"TITLE": "Gradient descent", "DATE": DATE, **variables})
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert written(project) == before


def test_make_new_takes_slug_and_date(project) -> None:
    result = make_new(project, TITLE="Backpropagation through time", SLUG="bptt",
                      DATE="2026-12-01")
    assert result.returncode == 0, result.stderr
    meta, _ = front_matter_and_heading(project / POSTS / "2026-12-01-bptt.md")
    assert meta["slug"] == "bptt" and str(meta["date"]) == "2026-12-01"
    assert (project / "tests/snippets/test_bptt.py").is_file()


@pytest.mark.parametrize("existing", ["2026-01-05-alpha-descent.md", "2026-01-08-zebra-draft.md"])
def test_make_new_refuses_a_second_post_on_a_day(project, existing) -> None:
    # One topic a day: the build refuses a second published post on a date, and a draft is
    # a post waiting for its day. Before, `make new` wrote the post and the build refused it.
    day = existing[:10]
    before = written(project)
    result = make_new(project, TITLE="Momentum", DATE=day)
    assert result.returncode != 0 and written(project) == before
    assert f"DATE {day} already has a post, {POSTS}/{existing}" in result.stderr
    # The next free day (the fixture's posts fill 5 to 8 January).
    assert "make new TITLE=Momentum DATE=2026-01-09" in result.stderr


def test_a_keyword_title_gets_an_importable_module(project) -> None:
    result = make_new(project, TITLE="Lambda", DATE=DATE)
    assert result.returncode == 0, result.stderr
    test = project / "tests/snippets/test_post_lambda.py"
    assert "from snippets.post_lambda.example import derivative" in test.read_text()
    compile(test.read_text(), str(test), "exec")


def test_a_title_with_math_quotes_and_a_hash_builds_as_written(project, tmp_path) -> None:
    title = 'The $O(n^2)$ cost of "attention" in C#'
    assert make_new(project, TITLE=title, DATE=DATE).returncode == 0
    [post] = (project / POSTS).glob(f"{DATE}-*.md")
    meta, heading = front_matter_and_heading(post)
    assert meta["title"] == title
    assert heading == '# The $O(n^2)$ cost of "attention" in C\\#'  # else Markdown drops "#"
    post.write_text(post.read_text().replace("draft: true\n", "").replace(
        "TODO: one line that says what the reader will learn.", "Attention, costed."))
    build = run_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    page = (tmp_path / "site/blog/2026/11/22/the-o-n-2-cost-of-attention-in-c/index.html")
    html = page.read_text()
    assert f"<title>{title} - " in html
    h1 = html[html.index("<h1"):html.index("</h1>")]
    assert "in C#" in h1 and "<svg" in h1  # the math typeset, the hash kept
