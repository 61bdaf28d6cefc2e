"""Validate every blog post's front matter before the blog plugin reads it.

The posts plugin runs it at ``on_config`` so that a bad post fails the build with its file
name, the field, what was expected and what was found, instead of a traceback from deep in
a plugin (and before the blog plugin parses the front matter itself, with line numbers
counted inside the front matter). What a post may hold is ``PostMeta`` (meta.py). Each
problem is named ``file:line:`` with the line in the file: of the YAML error, of the key
at fault, of the category not allowed. Two posts with one slug, or published on one day,
are reported once, naming both, on the file that changed last.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from pymdownx.slugs import slugify as make_slugify

# Re-exported: scripts and tests read these from here.
from execblog.filememo import FileMemo
from execblog.posts.meta import (  # noqa: F401
    FILENAME,
    PLACEHOLDER,
    REQUIRED_KEYS,
    SLUG,
    PostMeta,
    Problem,
    post_date,
)
from execblog.posts.meta import KEYS as ALLOWED_KEYS  # noqa: F401
from execblog.posts.notebooks import SUFFIXES as NOTEBOOK_SUFFIXES
from execblog.posts.notebooks import NotebookError, notebook_to_markdown, report

slugify = make_slugify(case="lower")

# The posts' folder in docs/ when no layout says otherwise (the blog plugin's default).
POSTS_DIR = "blog/posts"
FRONT_MATTER = re.compile(r"^---\s*\n(.*?\n)---\s*\n", re.DOTALL)
HEADING = "Invalid blog post front matter"


class FrontMatterError(ValueError):
    """Front matter that cannot be read; ``line`` and ``column`` (from 1) in the file."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column


def post_source(path: Path) -> str:
    """A post's Markdown: the file itself, or a notebook's cells joined (see notebooks.py)."""
    if path.suffix not in NOTEBOOK_SUFFIXES:
        return path.read_text(encoding="utf-8")
    return notebook_to_markdown(path)


def post_paths(posts_dir: Path) -> list[Path]:
    return sorted(path for suffix in (".md", *NOTEBOOK_SUFFIXES)
                  for path in posts_dir.glob(f"*{suffix}"))


# libyaml's parser when PyYAML has it (its wheels do): the same results, much faster.
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_front_matter(path: Path) -> dict:
    """Return the YAML front matter of a post as a dict (``{}`` when absent)."""
    return _read_front_matter(path)


class FrontMatterCache:
    """Posts' front matter and ``# Title`` read once per version of their file: `mkdocs
    serve` validates again on every save, and posts unchanged since are not parsed again.
    The posts plugin keeps one across rebuilds; each entry is keyed by the file's path and
    checked against its (modification time, size)."""

    def __init__(self) -> None:
        self.parsed: FileMemo[dict] = FileMemo()
        self.headings: FileMemo[str] = FileMemo()

    def read(self, path: Path) -> dict:
        """``read_front_matter(path)``, parsed again only when the file changed."""
        return dict(self.parsed.get(path, _read_front_matter))

    def heading_title(self, path: Path) -> str:
        """``heading_title(path)``, read again only when the file changed."""
        return self.headings.get(path, heading_title)


def _read_front_matter(path: Path) -> dict:
    text = post_source(path)  # a notebook that cannot be read raises NotebookError
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    try:
        meta = yaml.load(match.group(1), Loader=YamlLoader) or {}
    except yaml.YAMLError as error:
        raise yaml_error(path, error) from None
    except ValueError as error:  # a value YAML reads as a date that is none: 2026-13-05
        raise value_error(path, match.group(1), error) from None
    if not isinstance(meta, dict):
        lines = front_matter_lines(path)
        raise FrontMatterError(f"front matter must be a mapping of keys to values, got "
                               f"{type(meta).__name__}", lines[0] if lines else None)
    return meta


def yaml_error(path: Path, error: yaml.YAMLError) -> FrontMatterError:
    """The YAML error with its line counted in the file (PyYAML counts from the front
    matter's first line, after the opening ``---``)."""
    mark = getattr(error, "problem_mark", None)
    if not isinstance(error, yaml.MarkedYAMLError) or mark is None:
        return FrontMatterError(f"front matter is not valid YAML: {error}")
    lines = front_matter_lines(path)

    def in_file(mark) -> int | None:
        return lines[min(mark.line + 1, len(lines) - 1)] if lines else None

    message = f"front matter is not valid YAML: {error.problem}"
    context = getattr(error, "context", None)
    if context:
        context_mark = getattr(error, "context_mark", None)
        started = in_file(context_mark) if context_mark is not None else None
        message += f" ({context}" + (f" that starts on line {started}" if started else "") + ")"
    # Columns are the file's only in a Markdown post (a script's lines start with "# ",
    # a notebook's are JSON strings).
    column = mark.column + 1 if path.suffix == ".md" else None
    return FrontMatterError(message, in_file(mark), column if in_file(mark) else None)


def value_error(path: Path, text: str, error: ValueError) -> FrontMatterError:
    """The error of a value YAML could not construct, named by its key, on the key's line."""
    try:
        node = yaml.compose(text, Loader=YamlLoader)
        for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
            try:
                yaml.SafeLoader("").construct_object(value, deep=True)
            except ValueError:
                lines = front_matter_lines(path)
                return FrontMatterError(f"{key.value}: not a valid value ({error})",
                                        lines[key.start_mark.line + 1] if lines else None)
    except yaml.YAMLError:
        pass
    return FrontMatterError(f"front matter has a value YAML cannot read: {error}")


def unwrap(line: str, suffix: str) -> str:
    """A line of a post's file as the front matter text it holds: a Jupytext script's
    without its ``# ``, a notebook's JSON string decoded."""
    if suffix == ".py":
        return re.sub(r"^# ?", "", line)
    if suffix == ".ipynb":
        try:
            value = json.loads(line.strip().rstrip(","))
        except ValueError:
            return line
        return value.rstrip("\n") if isinstance(value, str) else line
    return line


def front_matter_lines(path: Path) -> list[int]:
    """The line in the file (from 1) of each line of the post's front matter, from its
    opening ``---`` to its closing one; empty when the file does not hold it line by line
    (front matter in a notebook's metadata, a notebook saved on one line)."""
    try:
        match = FRONT_MATTER.match(post_source(path))
        raw = path.read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError):
        return []
    if not match:
        return []
    wanted = [line.rstrip() for line in ["---", *match.group(1).split("\n")[:-1], "---"]]
    found = [unwrap(line, path.suffix).rstrip() for line in raw]
    for start, line in enumerate(found):
        if line == "---" and found[start:start + len(wanted)] == wanted:
            return list(range(start + 1, start + 1 + len(wanted)))
    return []


def problem_line(path: Path, problem: Problem) -> int | None:
    """The line in the file (from 1) that ``problem`` points at, when it can be found."""
    if problem.key is None:
        return None
    lines = front_matter_lines(path)
    if not lines:
        return None
    raw = path.read_text(encoding="utf-8").split("\n")
    texts = [unwrap(raw[number - 1], path.suffix) for number in lines]
    if problem.key == "# title":
        for number in range(lines[-1], len(raw)):
            if unwrap(raw[number], path.suffix).startswith("# "):
                return number + 1
        return None
    key = re.compile(rf"^['\"]?{re.escape(problem.key)}['\"]?\s*:")
    for index, text in enumerate(texts):
        if not key.match(text):
            continue
        if problem.item is not None:  # the item's own line in a block list
            item = re.compile(rf"^\s+-\s*['\"]?{re.escape(problem.item)}['\"]?\s*$")
            for below, other in enumerate(texts[index + 1:], index + 1):
                if other.strip() and not other.startswith((" ", "-")):
                    break
                if item.match(other):
                    return lines[below]
        return lines[index]
    return None


def located(where: str, path: Path, problem: Problem) -> str:
    line = problem_line(path, problem)
    return f"{where}{f':{line}' if line else ''}: {problem.message}"


def check_post(path: Path, meta: dict, allowed_categories: list[str] | tuple[str, ...]
               ) -> list[Problem]:
    """Return the problems with one post's file name and front matter (``PostMeta``); an
    empty ``allowed_categories`` allows any category, as the blog plugin does."""
    problems = []
    if not FILENAME.match(path.stem):
        problems.append(Problem(
            f"file name: expected <YYYY-MM-DD>-<slug>.md (or .ipynb, .py) with a lower-case "
            f"ASCII slug, got {path.name!r}"))
    return problems + PostMeta(path, allowed_categories).problems(meta)


def post_slug(path: Path, meta: dict, cache: FrontMatterCache | None = None) -> str:
    """The URL slug the blog plugin will use: ``slug:`` or the slugified title."""
    if meta.get("slug"):
        return str(meta["slug"])
    title = meta.get("title") or (cache.heading_title(path) if cache else heading_title(path))
    return slugify(str(title), "-")


def heading_title(path: Path) -> str:
    """The post's ``# Title`` (its file name without one): a notebook's is found by
    converting the whole notebook."""
    heading = re.search(r"^# (.+)$", post_source(path), re.MULTILINE)
    return heading.group(1) if heading else path.stem


def changed_last(paths: list[Path]) -> Path:
    """Of posts in conflict, the one to report the conflict on: the one modified last (an
    edit or a new post is the likely cause), the later file name when times are equal (as
    in a fresh clone)."""
    return max(paths, key=lambda path: (path.stat().st_mtime_ns, path.name))


def clashes(groups: dict, what: str, pointer, relative) -> list[tuple[Path, Problem]]:
    """One problem per group of two or more posts, on the post changed last, naming the
    others; ``pointer(path)`` is the key (or ``# title``) the problem points at."""
    found = []
    for value, paths in groups.items():
        if len(paths) < 2:
            continue
        culprit = changed_last(paths)
        others = " and ".join(str(relative(path)) for path in paths if path != culprit)
        message = (what.format(value=value, others=others)
                   + " (reported on this file, the one changed last)")
        found.append((culprit, Problem(message, pointer(culprit))))
    return found


def slug_source(path: Path, cache: FrontMatterCache | None = None) -> str:
    """What a post's slug comes from: its ``slug:``, its ``title:`` or its ``# Title``."""
    meta = cache.read(path) if cache else read_front_matter(path)
    return "slug" if meta.get("slug") else "title" if meta.get("title") else "# title"


def validate_posts(docs_dir: Path, allowed_categories: list[str] | tuple[str, ...],
                   posts_dir: str = POSTS_DIR, root: Path | None = None,
                   cache: FrontMatterCache | None = None) -> None:
    """Raise ``PluginError`` listing every problem in every post, each with its file and,
    when found, its line; each kind of problem under its own heading.

    ``posts_dir`` is the posts' folder in ``docs_dir``; files are named relative to
    ``root`` (the folder of mkdocs.yml; by default the folder above ``docs_dir``);
    ``cache`` keeps front matter parsed between calls (none: every post is read)."""
    problems: list[tuple[str, str]] = []
    slugs: dict[str, list[Path]] = {}
    dates: dict[dt.date, list[Path]] = {}
    folder = docs_dir / posts_dir
    root = docs_dir.parent if root is None else root
    read = cache.read if cache else read_front_matter

    def relative(path: Path) -> Path:
        return path.relative_to(root) if root in path.parents else path

    for path in post_paths(folder):
        where = str(relative(path))
        try:
            meta = read(path)
        except NotebookError as error:
            problems.append((error.heading, f"{error.location(where)}: {error}"))
            continue
        except FrontMatterError as error:
            location = where + "".join(f":{n}" for n in (error.line, error.column) if n)
            problems.append((HEADING, f"{location}: {error}"))
            continue
        problems += [(HEADING, located(where, path, problem))
                     for problem in check_post(path, meta, allowed_categories)]
        slugs.setdefault(post_slug(path, meta, cache), []).append(path)
        try:
            date = post_date(meta.get("date"))
        except ValueError:
            continue
        if not meta.get("draft"):
            dates.setdefault(date, []).append(path)
    for path, problem in [
        *clashes(slugs, "URL slug {value!r} is also the slug of {others}: two posts cannot "
                 "share a URL; change one of the slugs",
                 lambda path: slug_source(path, cache), relative),
        *clashes(dates, "published on {value}, the same day as {others}: one topic a day; "
                 "make one a draft or move it to another day", lambda _: "date", relative),
    ]:
        problems.append((HEADING, located(str(relative(path)), path, problem)))
    # Posts in folders below the posts' folder are read by the blog plugin too: report a
    # YAML error there with its line in the file, before the plugin reports it counted
    # otherwise.
    for path in sorted(set(folder.glob("**/*.md")) - set(folder.glob("*.md"))):
        try:
            read(path)
        except FrontMatterError as error:
            location = str(relative(path)) + "".join(
                f":{n}" for n in (error.line, error.column) if n)
            problems.append((HEADING, f"{location}: {error}"))
    if problems:
        raise PluginError(report(problems))
