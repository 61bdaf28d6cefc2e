"""Speed-ups that change no output, for every build and every `make serve` rebuild.

- The blog plugin reads the front matter of every post on every build with PyYAML's
  pure-Python loader; libyaml's (``CSafeLoader``, in PyYAML's wheels) builds the same values
  several times faster, and within one process (``make serve``) a front matter already read
  is not parsed again: its values are copied.
- MkDocs makes a new theme environment for each build, and the blog plugin one more for each
  label it translates, so every template was compiled again; every environment the theme
  makes now has a bytecode cache in ``.cache/jinja`` (keyed by Jinja on each template's
  source), which keeps the compiled templates between builds.
- The blog plugin makes a post's excerpt, for each index, archive and category page that
  lists it, by converting the whole post and keeping what comes before ``<!-- more -->``:
  with code, executed output and figures after it, that was half of a warm build. Only the
  part before the separator is converted now, with the link and abbreviation definitions
  of the rest (which the excerpt may use).
- The blog plugin's reading time of a post feeds the post's whole HTML, formulas' SVG
  included, to Python's HTMLParser: about a tenth of a second a post, on every build and
  every preview rebuild. The same count is made with regular expressions: the text outside
  ``<script>``, ``<style>``, ``<svg>`` and ``<object>`` elements, its words split as the
  plugin splits them, and its images. Within one process a page's count is kept by its HTML's
  digest: a preview rebuild converts again the posts listed beside the one edited.
"""

from __future__ import annotations

import copy
import hashlib
import html
import os
import re
from math import ceil
from pathlib import Path

import jinja2
import material.plugins.blog.plugin as blog_plugin
import material.plugins.blog.structure as blog_structure
import yaml
from mkdocs.theme import Theme

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = Path(os.environ.get("BLOG_CACHE_DIR", ROOT / ".cache")) / "jinja"


# Applied when MkDocs loads this hook, before the blog plugin reads any post.
blog_structure.SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatter:
    """Stands for the ``yaml`` module in the blog plugin's post reader: ``load`` parses a
    front matter once per process and hands out deep copies (the plugin may change them)."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, type], object] = {}

    def load(self, text: str, loader):
        key = (text, loader)
        if key not in self._parsed:  # a YAML error propagates and is not kept
            self._parsed[key] = yaml.load(text, loader)
        return copy.deepcopy(self._parsed[key])


blog_structure.yaml = _FrontMatter()

# Reference-style link targets ([id]: url) and abbreviations (*[HTML]: ...), on their lines.
DEFINITION = re.compile(r"^ {0,3}(?:\[[^\]\n]+\]|\*\[[^\]\n]+\]):[^\n]*$", re.MULTILINE)
# What stands for the rest of the post: the plugin only tests that there is a rest, to show
# "Continue reading".
REST = "<!-- the rest of the post -->"
# (Material's own methods, even if this module is loaded again after replacing them.)
_render_whole_post = getattr(blog_structure.Excerpt.render, "original",
                             blog_structure.Excerpt.render)


def render_excerpt(excerpt, page, separator: str) -> None:
    post = excerpt.post
    head, found, rest = post.markdown.partition(separator)
    if not found:
        return _render_whole_post(excerpt, page, separator)
    whole = post.markdown
    post.markdown = "\n\n".join([head + separator, *DEFINITION.findall(rest), REST])
    try:
        return _render_whole_post(excerpt, page, separator)
    finally:
        post.markdown = whole


render_excerpt.original = _render_whole_post
blog_structure.Excerpt.render = render_excerpt


# What the plugin's parser reads no text from: comments, declarations, and the elements
# it skips (their whole content: the formulas' SVG holds no nested <svg>), then every
# other tag.
UNREAD = re.compile(r"<!--.*?-->|<![^>]*>"
                    r"|<(script|style|svg|object)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?</\1\s*>",
                    re.S | re.I)
TAG = re.compile(r"</?[a-zA-Z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
IMAGE = re.compile(r"<img\b", re.I)


def readtime(page_html: str, words_per_minute: int) -> int:
    """Minutes to read ``page_html``, as material.plugins.blog.readtime.readtime counts them
    (words at ``words_per_minute``, then 12 s for the first image, 11 for the second, down
    to 3 s each from the tenth)."""
    key = (hashlib.blake2b(page_html.encode("utf-8"), digest_size=16).digest(),
           words_per_minute)
    if key not in _minutes:
        _minutes[key] = _count_minutes(page_html, words_per_minute)
    return _minutes[key]


_minutes: dict[tuple[bytes, int], int] = {}


def _count_minutes(page_html: str, words_per_minute: int) -> int:
    images = len(IMAGE.findall(page_html))
    text = html.unescape(TAG.sub("", UNREAD.sub("", page_html)))
    seconds = ceil(len(re.split(r"\W+", text)) / words_per_minute * 60)
    delta = 12
    for _ in range(images):
        seconds += delta
        delta = max(delta - 1, 3)
    return ceil(seconds / 60)


blog_plugin.readtime = readtime

_theme_env = getattr(Theme.get_env, "original", Theme.get_env)


def get_env(theme: Theme) -> jinja2.Environment:
    env = _theme_env(theme)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(CACHE_DIR))
    return env


get_env.original = _theme_env
Theme.get_env = get_env
