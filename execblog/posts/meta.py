"""A post's front matter as a ``Config`` schema, as Material's blog plugin validates its
posts (``material.plugins.blog.structure.config.PostConfig``).

``PostMeta`` lists every key a post may have, each with its type; the required ones are
not wrapped in ``Optional``. The checks that belong to one post are the options'
validation: the date matches the file name, the categories are in the blog plugin's
allow-list, a published post's description is no placeholder. The rules that span posts
(unique slugs, one post a day) stay in frontmatter.py.

``PostMeta.problems()`` runs each option's three validation steps as ``Config.validate``
does, but reports every key at fault (``Config.validate`` stops at the first, and skips
the post-validation checks once one key failed), each as a ``Problem`` that names the key,
so that the message can point at the key's line in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
# `make new` writes this into a draft; a post cannot be published until it is replaced.
PLACEHOLDER = "TODO"


@dataclass
class Problem:
    """One problem with a post: the message, and what to point at in the file: a key of
    the front matter, an item of its list (a category), or the post's ``# Title``."""

    message: str
    key: str | None = None
    item: str | None = None


class ItemErrors(ValidationError):
    """Several items of one list at fault, each its own problem: ``(message, item)``."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors[0][0])
        self.errors = errors


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


# ---------------------------------------------------------------------------------------
# The options


class PostDate(c.BaseConfigOption[dt.date]):
    """``2026-11-21`` or ``{created: 2026-11-21, updated: ...}``: the day of the file name."""

    def run_validation(self, value: object) -> dt.date:
        try:
            return post_date(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def post_validation(self, config: base.Config, key_name: str) -> None:
        named = FILENAME.match(Path(config.config_file_path).stem)
        date = config[key_name]
        if named and named["date"] != date.isoformat():
            raise ValidationError(f"front matter says {date.isoformat()} but the file name "
                                  f"says {named['date']}")


class Categories(c.BaseConfigOption[list]):
    """A non-empty list, each in the blog plugin's ``categories_allowed`` (when it has one)."""

    def run_validation(self, value: object) -> list:
        if not isinstance(value, list) or not value:
            raise ValidationError(f"expected a non-empty list, got {value!r}")
        return value

    def post_validation(self, config: base.Config, key_name: str) -> None:
        allowed = list(getattr(config, "categories_allowed", ()))
        if not allowed:
            return
        wrong = [category for category in config[key_name] if category not in allowed]
        if wrong:
            raise ItemErrors([(f"{category!r} is not in the allow-list in mkdocs.yml "
                               f"{allowed}", str(category)) for category in wrong])


class Strings(c.BaseConfigOption[list]):
    """A list of strings (tags, authors, what to hide)."""

    def run_validation(self, value: object) -> list:
        if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            raise ValidationError(f"expected a list of strings, got {value!r}")
        return value


class Text(c.BaseConfigOption[str]):
    """A non-empty string; ``what`` says what it should be."""

    def __init__(self, what: str = "a non-empty string") -> None:
        super().__init__()
        self.what = what

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"expected {self.what}, got {value!r}")
        return value


class Description(Text):
    """A one-line summary; ``TODO`` (what `make new` writes) only in a draft (``draft:
    true``; a draft that is not true or false is a problem of its own)."""

    def __init__(self) -> None:
        super().__init__("a one-line summary")

    def post_validation(self, config: base.Config, key_name: str) -> None:
        value = config[key_name]
        if PLACEHOLDER in value and config.get("draft") is not True:
            raise ValidationError(f"replace the placeholder {value!r} with a one-line "
                                  "summary of the post")


class Slug(c.BaseConfigOption[str]):
    def run_validation(self, value: object) -> str:
        if not (isinstance(value, str) and SLUG.match(value)):
            raise ValidationError(f"expected lower-case ASCII words joined by '-', "
                                  f"got {value!r}")
        return value


class Of(c.BaseConfigOption):
    """A value of one of ``types``, described as ``what`` in a message."""

    def __init__(self, types: type | tuple[type, ...], what: str) -> None:
        super().__init__()
        self.types, self.what = types, what

    def run_validation(self, value: object) -> object:
        # YAML's true is no number: a bool is an int to isinstance
        if not isinstance(value, self.types) or (
                isinstance(value, bool) and bool not in (self.types if isinstance(
                    self.types, tuple) else (self.types,))):
            raise ValidationError(f"expected {self.what}, got {value!r}")
        return value


BOOL = "true or false"


class PostMeta(base.Config):
    """Every key a post's front matter may hold. Required: ``date``, ``categories``,
    ``description``; every other key is ``Optional``."""

    # The post's day, the same as its file name's: `2026-11-21` (or `{created: ...}`).
    date = PostDate()
    # Categories of the blog, from the blog plugin's `categories_allowed`.
    categories = Categories()
    # Free tags (the tags plugin and the topics index list them).
    tags = c.Optional(Strings())
    # The one-line summary: the page's description and the home page's list.
    description = Description()
    # Authors by their key in the blog's .authors.yml.
    authors = c.Optional(Strings())
    # A draft is built by `mkdocs serve` only, and is left out of every list.
    draft = c.Optional(Of(bool, BOOL))
    # The URL's last part, instead of the slugified title.
    slug = c.Optional(Slug())
    # The title, instead of the post's `# Title`.
    title = c.Optional(Text())
    # A series the post is a part of (execblog-citations: "Part k of n").
    series = c.Optional(Text("the series' name"))
    # Related links, as the blog plugin's `links` (a navigation list).
    links = c.Optional(Of(list, "a list of links"))
    # Minutes of reading, instead of the computed reading time.
    readtime = c.Optional(Of(int, "a whole number of minutes"))
    # Pinned to the top of the blog's index.
    pin = c.Optional(Of(bool, BOOL))
    # Parts of the page Material hides: navigation, toc, footer...
    hide = c.Optional(Strings())
    # Material's search options for the page (e.g. `exclude: true`).
    search = c.Optional(Of(dict, "a mapping such as {exclude: true}"))
    # Material's comments on the page.
    comments = c.Optional(Of(bool, BOOL))
    # Accepted since the first check of front matter; no part of the engine reads it.
    execute = c.Optional(Of(bool, BOOL))

    def __init__(self, path: str | Path, categories_allowed: list[str] | tuple[str, ...] = ()):
        super().__init__(config_file_path=str(path))
        self.categories_allowed = tuple(categories_allowed)

    def problems(self, meta: dict) -> list[Problem]:
        """Load ``meta`` (a post's front matter) and return every problem with it."""
        schema = dict(base.get_schema(type(self)))
        self.load_dict(meta)
        found = [Problem(f"unknown key {key!r}: expected one of {sorted(schema)}", key)
                 for key in sorted(set(meta) - set(schema), key=str)]
        given = {}
        for key, option in schema.items():
            if key in meta:
                given[key] = option
            elif not isinstance(option, c.Optional):
                found.append(Problem(f"missing {key!r}"))
        failed: dict[str, ValidationError] = {}
        for step in ("pre_validation", "validate", "post_validation"):
            for key, option in given.items():
                if key in failed:
                    continue
                try:
                    if step == "validate":
                        self[key] = option.validate(self[key])
                    else:
                        getattr(option, step)(self, key_name=key)
                except ValidationError as error:
                    failed[key] = error
                finally:
                    option.reset_warnings()
        for key in [key for key in given if key in failed]:  # in the schema's order
            error = failed[key]
            errors = error.errors if isinstance(error, ItemErrors) else [(str(error), None)]
            found += [Problem(f"{key}: {message}", key, item) for message, item in errors]
        return found


KEYS = frozenset(dict(base.get_schema(PostMeta)))
REQUIRED_KEYS = tuple(key for key, option in base.get_schema(PostMeta)
                      if not isinstance(option, c.Optional))
