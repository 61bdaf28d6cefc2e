"""`make new` over arbitrary titles: either a clear refusal that writes nothing, or a post
whose front matter reads back the exact title (with PyYAML and with the build's own reader
and rules), whose H1 is the title, whose slug is valid and bounded, and whose generated
Python compiles."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from execblog.posts import frontmatter  # noqa: E402
from tests.conftest import ROOT, make_fixture_project
from tests.scripts.test_new_post import make_new, written

DATE = "2026-11-22"
POSTS = "docs/blog/posts"
FRONT_MATTER = re.compile(r"---\n(.*?\n)---\n", re.DOTALL)  # as hooks/frontmatter.py reads it
# Besides arbitrary text: what a title often holds, and what YAML, Markdown or a shell read.
TRICKY = st.sampled_from(["$", "`", '"', "'", "\\", "#", ":", "- ", "? ", "&", "*", "!", "|",
                          ">", "%", "@", "{", "}", "[", "]", ",", "---", "null", "true", "1e3",
                          "2026-11-22", "$(shell touch x)", "`id`", "Über", "注意", "\u00a0",
                          "\u200b", "\ufeff", "\x85", "\u2028", "\n", "\t", "\r", "\x7f",
                          " ", "a", "Z", "7"])
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")))
TITLES = st.one_of(
    st.lists(st.one_of(TRICKY, st.text(max_size=8)), max_size=12).map("".join),
    st.text(),
    st.tuples(PRINTABLE, st.sampled_from("aZ7"), PRINTABLE).map("".join),  # mostly written
)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = make_fixture_project(tmp_path_factory.mktemp("new-post") / "project")
    shutil.copytree(ROOT / "scripts", project / "scripts")
    for name in ("pyproject.toml", "requirements.lock", "Makefile"):
        shutil.copy2(ROOT / name, project / name)
    (project / ".stamp").touch()
    return project


@pytest.fixture(scope="module")
def new_post(project):
    """The script loaded from the project's copy, so that it writes there."""
    spec = importlib.util.spec_from_file_location("new_post_under_test",
                                                  project / "scripts" / "new_post.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ROOT == project
    return module


def should_refuse(title: str) -> bool:
    """Independently of the script: empty, not one line of text, or nothing to slug."""
    title = title.strip()
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return (not title or not re.search(r"[A-Za-z0-9]", ascii_title)
            or any(unicodedata.category(c) in {"Cc", "Cs", "Zl", "Zp"} for c in title))


def remove(project: Path, before: list[Path]) -> None:
    for path in set(written(project)) - set(before):
        path.unlink()
    for folder in (project / "snippets").iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def check_post(project: Path, paths: list[Path], title: str, notebook: bool) -> None:
    post = paths[0]
    slug = post.stem[len(DATE) + 1:]
    assert post.name == f"{DATE}-{slug}{'.ipynb' if notebook else '.md'}"
    assert frontmatter.SLUG.match(slug) and len(slug) <= 60
    if notebook:
        cells = json.loads(post.read_text(encoding="utf-8"))["cells"]
        raw, markdown = "".join(cells[0]["source"]), "".join(cells[1]["source"])
        meta_text = FRONT_MATTER.fullmatch(raw)[1]
        heading = markdown.splitlines()[0]
    else:
        front = FRONT_MATTER.match(post.read_text(encoding="utf-8"))
        meta_text, body = front[1], front.string[front.end():]
        heading = body.splitlines()[1]
    # The exact title, read by PyYAML (both parsers) and by the build's reader and rules.
    for loader in (yaml.SafeLoader, yaml.CSafeLoader):
        meta = yaml.load(meta_text, Loader=loader)
        assert meta["title"] == title and meta["slug"] == slug and str(meta["date"]) == DATE
    meta = frontmatter._read_front_matter(post)
    assert meta["title"] == title
    allowed = project.joinpath("mkdocs.yml").read_text()
    assert frontmatter.check_post(post, meta, [meta["categories"][0]]) == []
    assert meta["categories"][0] in allowed
    # The H1 is the title as written; only a trailing '#' is escaped (Markdown would drop it).
    assert heading in (f"# {title}", f"# {title[:-1]}\\#" if title.endswith("#") else None)
    for path in paths[1:]:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLES, notebook=st.booleans())
def test_any_title_is_kept_exactly_or_refused_clearly(project, new_post, title, notebook):
    before = written(project)
    try:
        paths = new_post.create({"title": title, "date": DATE, "notebook": str(int(notebook))})
    except new_post.NewPostError as error:
        assert written(project) == before  # nothing written
        message = str(error)
        event("refused")
        clash = "already exists" in message or "refusing to overwrite" in message
        assert should_refuse(title) or clash, message
        assert message.startswith("--title ") or clash, message
        return
    event("written")
    try:
        assert not should_refuse(title)
        check_post(project, paths, title.strip(), notebook)
    finally:
        remove(project, before)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLES.filter(
    lambda t: "\x00" not in t and not any(unicodedata.category(c) == "Cs" for c in t)))
def test_any_title_through_make_new(project, title) -> None:
    # A command's argument can hold any character but NUL (and no lone surrogate).
    before = written(project)
    result = make_new(project, TITLE=title, DATE=DATE)
    event("refused" if result.returncode else "written")
    if result.returncode != 0:
        assert written(project) == before
        assert "make new: TITLE" in result.stderr and "Traceback" not in result.stderr
        assert should_refuse(title), result.stderr
        return
    try:
        assert not should_refuse(title)
        [post] = (project / POSTS).glob(f"{DATE}-*")
        paths = [post, *sorted(set(written(project)) - set(before) - {post})]
        check_post(project, [p for p in paths if p.name != "__init__.py"], title.strip(),
                   notebook=False)
    finally:
        remove(project, before)
