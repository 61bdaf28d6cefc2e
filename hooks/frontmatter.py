"""Validate every blog post's front matter before the blog plugin reads it.

Runs at ``on_config`` so that a bad post fails the build with its file name, the field,
what was expected and what was found, instead of a traceback from deep in a plugin.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from notebooks import SUFFIXES as NOTEBOOK_SUFFIXES  # hooks/ is on sys.path while hooks load
from notebooks import notebook_to_markdown
from pymdownx.slugs import slugify as make_slugify

slugify = make_slugify(case="lower")

POSTS_DIR = "blog/posts"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
ALLOWED_KEYS = {
    "date", "categories", "tags", "description", "authors", "draft", "slug", "title",
    "links", "readtime", "pin", "hide", "search", "comments", "execute",
}
REQUIRED_KEYS = ("date", "categories", "description")
# `make new` writes this into a draft; a post cannot be published until it is replaced.
PLACEHOLDER = "TODO"


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
    try:
        text = post_source(path)
    except ValueError as error:  # a notebook that cannot be read says why
        raise ValueError(str(error)) from None
    match = re.match(r"^---\s*\n(.*?\n)---\s*\n", text, re.DOTALL)
    if not match:
        return {}
    try:
        meta = yaml.load(match.group(1), Loader=YamlLoader) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"front matter must be a mapping, got {type(meta).__name__}")
    return meta


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


def check_post(path: Path, meta: dict, allowed_categories: list[str]) -> list[str]:
    """Return the problems with one post's file name and front matter."""
    problems = []
    stem_match = FILENAME.match(path.stem)
    if not stem_match:
        problems.append(f"file name: expected <YYYY-MM-DD>-<slug>.md (or .ipynb, .py) with a "
                        "lower-case ASCII "
                        f"slug, got {path.name!r}")
    unknown = sorted(set(meta) - ALLOWED_KEYS)
    for key in unknown:
        problems.append(f"unknown key {key!r}: expected one of {sorted(ALLOWED_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in meta:
            problems.append(f"missing {key!r}")
    if "date" in meta:
        try:
            date = post_date(meta["date"])
        except ValueError as error:
            problems.append(f"date: {error}")
        else:
            if stem_match and stem_match["date"] != date.isoformat():
                problems.append(f"date: front matter says {date.isoformat()} but the file name "
                                f"says {stem_match['date']}")
    if "categories" in meta:
        categories = meta["categories"]
        if not isinstance(categories, list) or not categories:
            problems.append(f"categories: expected a non-empty list, got {categories!r}")
        else:
            for category in categories:
                if category not in allowed_categories:
                    problems.append(f"categories: {category!r} is not in the allow-list in "
                                    f"mkdocs.yml {allowed_categories}")
    if "tags" in meta and not (
        isinstance(meta["tags"], list) and all(isinstance(t, str) for t in meta["tags"])
    ):
        problems.append(f"tags: expected a list of strings, got {meta['tags']!r}")
    if "description" in meta:
        description = meta["description"]
        if not isinstance(description, str) or not description.strip():
            problems.append(f"description: expected a one-line summary, got {description!r}")
        elif PLACEHOLDER in description and not meta.get("draft"):
            problems.append(f"description: replace the placeholder {description!r} with a "
                            "one-line summary of the post")
    if "slug" in meta and not (isinstance(meta["slug"], str) and SLUG.match(meta["slug"])):
        problems.append(f"slug: expected lower-case ASCII words joined by '-', "
                        f"got {meta['slug']!r}")
    if "draft" in meta and not isinstance(meta["draft"], bool):
        problems.append(f"draft: expected true or false, got {meta['draft']!r}")
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


def validate_posts(docs_dir: Path, allowed_categories: list[str]) -> None:
    """Raise ``PluginError`` listing every problem in every post, each with its file."""
    problems: list[str] = []
    slugs: dict[str, Path] = {}
    dates: dict[dt.date, Path] = {}
    posts_dir = docs_dir / POSTS_DIR
    for path in post_paths(posts_dir):
        where = path.relative_to(docs_dir.parent) if docs_dir.parent in path.parents else path
        try:
            meta = read_front_matter(path)
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        problems += [f"{where}: {p}" for p in check_post(path, meta, allowed_categories)]
        slug = post_slug(path, meta)
        if slug in slugs:
            problems.append(f"{where}: URL slug {slug!r} is already used by {slugs[slug].name}")
        slugs.setdefault(slug, path)
        try:
            date = post_date(meta.get("date"))
        except ValueError:
            continue
        if not meta.get("draft") and date in dates:
            problems.append(f"{where}: a post is already published on {date} "
                            f"({dates[date].name}); one topic a day")
        if not meta.get("draft"):
            dates.setdefault(date, path)
    if problems:
        raise PluginError("Invalid blog post front matter:\n  " + "\n  ".join(problems))


@event_priority(100)  # before the blog plugin reads the posts
def on_config(config):
    blog = config.plugins.get("material/blog")
    allowed = list(blog.config.categories_allowed) if blog else []
    validate_posts(Path(config.docs_dir), allowed)
    return config
