"""Validate every blog post's front matter before the blog plugin reads it.

Runs at ``on_config`` so that a bad post fails the build with its file name, the field,
what was expected and what was found, instead of a traceback from deep in a plugin (and
before the blog plugin parses the front matter itself, with line numbers counted inside
the front matter). Each problem is named ``file:line:`` with the line in the file: of the
YAML error, of the key at fault, of the category not allowed. Two posts with one slug, or
published on one day, are reported once, naming both, on the file that changed last.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from pymdownx.slugs import slugify as make_slugify

from execblog.posts.notebooks import SUFFIXES as NOTEBOOK_SUFFIXES
from execblog.posts.notebooks import NotebookError, notebook_to_markdown, report

slugify = make_slugify(case="lower")

POSTS_DIR = "blog/posts"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
ALLOWED_KEYS = {
    "date", "categories", "tags", "description", "authors", "draft", "slug", "title", "series",
    "links", "readtime", "pin", "hide", "search", "comments", "execute",
}
REQUIRED_KEYS = ("date", "categories", "description")
# `make new` writes this into a draft; a post cannot be published until it is replaced.
PLACEHOLDER = "TODO"
FRONT_MATTER = re.compile(r"^---\s*\n(.*?\n)---\s*\n", re.DOTALL)
HEADING = "Invalid blog post front matter"


class FrontMatterError(ValueError):
    """Front matter that cannot be read; ``line`` and ``column`` (from 1) in the file."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column


@dataclass
class Problem:
    """One problem with a post: the message, and what to point at in the file: a key of
    the front matter, an item of its list (a category), or the post's ``# Title``."""

    message: str
    key: str | None = None
    item: str | None = None


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
# `mkdocs serve` validates again on every save: posts unchanged since are not parsed again.
_parsed: dict[Path, tuple[tuple[int, int], dict]] = {}


def read_front_matter(path: Path) -> dict:
    """Return the YAML front matter of a post as a dict (``{}`` when absent)."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _parsed.get(path)
    if cached and cached[0] == stamp:
        return dict(cached[1])
    meta = _read_front_matter(path)
    _parsed[path] = (stamp, meta)
    return dict(meta)


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


def post_date(value: object) -> dt.date:
    """The creation date from ``date: 2026-11-21`` or ``date: {created: 2026-11-21}``."""
    if isinstance(value, dict):
        value = value.get("created")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO date such as 2026-11-21, got {value!r}")


def check_post(path: Path, meta: dict, allowed_categories: list[str]) -> list[Problem]:
    """Return the problems with one post's file name and front matter."""
    problems = []
    stem_match = FILENAME.match(path.stem)
    if not stem_match:
        problems.append(Problem(
            f"file name: expected <YYYY-MM-DD>-<slug>.md (or .ipynb, .py) with a lower-case "
            f"ASCII slug, got {path.name!r}"))
    unknown = sorted(set(meta) - ALLOWED_KEYS)
    for key in unknown:
        problems.append(Problem(f"unknown key {key!r}: expected one of {sorted(ALLOWED_KEYS)}",
                                key))
    for key in REQUIRED_KEYS:
        if key not in meta:
            problems.append(Problem(f"missing {key!r}"))
    if "date" in meta:
        try:
            date = post_date(meta["date"])
        except ValueError as error:
            problems.append(Problem(f"date: {error}", "date"))
        else:
            if stem_match and stem_match["date"] != date.isoformat():
                problems.append(Problem(f"date: front matter says {date.isoformat()} but the "
                                        f"file name says {stem_match['date']}", "date"))
    if "categories" in meta:
        categories = meta["categories"]
        if not isinstance(categories, list) or not categories:
            problems.append(Problem(f"categories: expected a non-empty list, got "
                                    f"{categories!r}", "categories"))
        else:
            for category in categories:
                if category not in allowed_categories:
                    problems.append(Problem(f"categories: {category!r} is not in the "
                                            f"allow-list in mkdocs.yml {allowed_categories}",
                                            "categories", str(category)))
    if "tags" in meta and not (
        isinstance(meta["tags"], list) and all(isinstance(t, str) for t in meta["tags"])
    ):
        problems.append(Problem(f"tags: expected a list of strings, got {meta['tags']!r}",
                                "tags"))
    if "description" in meta:
        description = meta["description"]
        if not isinstance(description, str) or not description.strip():
            problems.append(Problem(f"description: expected a one-line summary, got "
                                    f"{description!r}", "description"))
        elif PLACEHOLDER in description and not meta.get("draft"):
            problems.append(Problem(f"description: replace the placeholder {description!r} "
                                    "with a one-line summary of the post", "description"))
    if "slug" in meta and not (isinstance(meta["slug"], str) and SLUG.match(meta["slug"])):
        problems.append(Problem(f"slug: expected lower-case ASCII words joined by '-', "
                                f"got {meta['slug']!r}", "slug"))
    if "draft" in meta and not isinstance(meta["draft"], bool):
        problems.append(Problem(f"draft: expected true or false, got {meta['draft']!r}",
                                "draft"))
    return problems


def post_slug(path: Path, meta: dict) -> str:
    """The URL slug the blog plugin will use: ``slug:`` or the slugified title."""
    if meta.get("slug"):
        return str(meta["slug"])
    title = meta.get("title") or heading_title(path)
    return slugify(str(title), "-")


_headings: dict[Path, tuple[tuple[int, int], str]] = {}


def heading_title(path: Path) -> str:
    """The post's ``# Title`` (its file name without one), read again only when the file
    changes: a notebook's is found by converting the whole notebook."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _headings.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    heading = re.search(r"^# (.+)$", post_source(path), re.MULTILINE)
    title = heading.group(1) if heading else path.stem
    _headings[path] = (stamp, title)
    return title


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


def slug_source(path: Path) -> str:
    """What a post's slug comes from: its ``slug:``, its ``title:`` or its ``# Title``."""
    meta = read_front_matter(path)
    return "slug" if meta.get("slug") else "title" if meta.get("title") else "# title"


def validate_posts(docs_dir: Path, allowed_categories: list[str]) -> None:
    """Raise ``PluginError`` listing every problem in every post, each with its file and,
    when found, its line; each kind of problem under its own heading."""
    problems: list[tuple[str, str]] = []
    slugs: dict[str, list[Path]] = {}
    dates: dict[dt.date, list[Path]] = {}
    posts_dir = docs_dir / POSTS_DIR

    def relative(path: Path) -> Path:
        return path.relative_to(docs_dir.parent) if docs_dir.parent in path.parents else path

    for path in post_paths(posts_dir):
        where = str(relative(path))
        try:
            meta = read_front_matter(path)
        except NotebookError as error:
            problems.append((error.heading, f"{error.location(where)}: {error}"))
            continue
        except FrontMatterError as error:
            location = where + "".join(f":{n}" for n in (error.line, error.column) if n)
            problems.append((HEADING, f"{location}: {error}"))
            continue
        problems += [(HEADING, located(where, path, problem))
                     for problem in check_post(path, meta, allowed_categories)]
        slugs.setdefault(post_slug(path, meta), []).append(path)
        try:
            date = post_date(meta.get("date"))
        except ValueError:
            continue
        if not meta.get("draft"):
            dates.setdefault(date, []).append(path)
    for path, problem in [
        *clashes(slugs, "URL slug {value!r} is also the slug of {others}: two posts cannot "
                 "share a URL; change one of the slugs", slug_source, relative),
        *clashes(dates, "published on {value}, the same day as {others}: one topic a day; "
                 "make one a draft or move it to another day", lambda _: "date", relative),
    ]:
        problems.append((HEADING, located(str(relative(path)), path, problem)))
    # Posts in folders below posts/ are read by the blog plugin too: report a YAML error
    # there with its line in the file, before the plugin reports it counted otherwise.
    for path in sorted(set(posts_dir.glob("**/*.md")) - set(posts_dir.glob("*.md"))):
        try:
            read_front_matter(path)
        except FrontMatterError as error:
            location = str(relative(path)) + "".join(
                f":{n}" for n in (error.line, error.column) if n)
            problems.append((HEADING, f"{location}: {error}"))
    if problems:
        raise PluginError(report(problems))


@event_priority(100)  # before the blog plugin reads the posts
def on_config(config):
    blog = config.plugins.get("material/blog")
    allowed = list(blog.config.categories_allowed) if blog else []
    validate_posts(Path(config.docs_dir), allowed)
    return config
