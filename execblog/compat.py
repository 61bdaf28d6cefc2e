"""Every reliance of the engine on another package's internals, in one module.

MkDocs 1.6, Material for MkDocs 9 (critical fixes only until its end of life, 2027-05-05),
mkdocs-autorefs, pymdown-extensions, watchdog and CPython each offer a public surface; where
the engine needs more, it is here and nowhere else, with why, what upstream change would
make it unnecessary, and the digest of the upstream code it was written against
(``COUPLINGS``). tests/engine/test_compat.py recomputes each digest from the installed
packages: after an upgrade (``make lock``), a failing digest names exactly the function to
re-read and the part of the engine to re-check. ``python -m execblog.compat`` prints the
current digests, to update ``COUPLINGS`` once the code is re-checked.

Two kinds of coupling:

- **patches**: a function or attribute of another package replaced (the blog plugin's
  excerpts, reading time and YAML; the theme's Jinja environment; MkDocs' theme file listing;
  a page's render and ``is_modified`` for the preview). Each is installed by a function
  here, idempotently (a patched function keeps the original as ``.original``: installing
  again, e.g. from a copy of the project loaded in the same process, never stacks).
- **private reads**: names with a leading underscore, or values no documentation promises
  (the blog plugin's pagination helpers, autorefs' maps, superfences' regular expressions,
  the live-reload server's observer, ``threading._register_atexit``);
- **package files**: files another package installs for its own use (Sphinx's JavaScript
  build of the Snowball stemmer, which the search serves to the browser; the theme's
  templates that overrides/ extends or replaces).
"""

from __future__ import annotations

import copy
import hashlib
import html
import importlib
import inspect
import re
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from math import ceil
from pathlib import Path

import jinja2
import yaml

# ---------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class Coupling:
    target: str  # "module:qualified.name" of the upstream code relied on
    digest: str  # sha256 (16 hex digits) of its source (or value) when last checked
    kind: str  # "patch" or "private read"
    used_by: str  # where in the engine
    why: str
    upstream: str  # the upstream change that would remove the need, filed or proposed


COUPLINGS = [
    Coupling("material.plugins.blog.structure:Post.__init__", "8686c4256b6490b7", "patch",
             "install_build_speedups (blog_structure.SafeLoader, blog_structure.yaml)",
             "The blog plugin parses every post's front matter on every build with PyYAML's "
             "pure-Python SafeLoader; libyaml's is several times faster, and `make serve` "
             "re-reads unchanged front matter on each save.",
             "Proposed for Material: use yaml.CSafeLoader when available (as MkDocs' own "
             "utils.yaml does not either). Material is in maintenance mode: none filed."),
    Coupling("material.plugins.blog.structure:Excerpt.render", "6ee38b3efd751ef5", "patch",
             "install_build_speedups (render_excerpt)",
             "An excerpt is made by converting the whole post and cutting at the separator: "
             "half of a warm build with executed output after <!-- more -->.",
             "Proposed for Material: convert only the part before the separator."),
    Coupling("material.plugins.blog.readtime:readtime", "02f7775771a3c378", "patch",
             "install_build_speedups (readtime)",
             "The reading time feeds the whole HTML, formulas' SVG included, to HTMLParser: "
             "0.1 s a post each build.",
             "Proposed for Material: skip <svg> content by regular expression, cache by "
             "digest."),
    Coupling("material.plugins.blog.plugin:BlogPlugin._config_pagination", "a11bf4da84ca4873",
             "private read", "shown_posts (preview: which posts a view page lists)",
             "The preview rebuilds an index page only when a post it lists changed.",
             "A public View.shown_posts (the posts of one page of a paginated view)."),
    Coupling("material.plugins.blog.plugin:BlogPlugin._config_pagination_per_page",
             "fa3286f1c205b324", "private read", "shown_posts", "As above.", "As above."),
    Coupling("mkdocs.theme:Theme.get_env", "9c26120fb96f9204", "patch",
             "install_build_speedups (get_env: Jinja bytecode cache)",
             "Every build (and each label the blog plugin translates) compiles every template "
             "again.",
             "Proposed for MkDocs: a bytecode cache option for the theme environment."),
    Coupling("mkdocs.structure.files:Files.add_files_from_theme", "0169dd2b1c22ca13", "patch",
             "cache_theme_listing (preview)",
             "Material's theme folder holds some 10,000 icons, walked on every rebuild.",
             "Proposed for MkDocs: list the installed theme's files once per process."),
    Coupling("mkdocs.structure.files:File.is_modified", "7b5f8afab5f1f6d2", "patch",
             "force_modified (preview: which pages a dirty build writes)",
             "`mkdocs serve --dirty` decides by modification time only; the preview decides "
             "by what a save can change (a post's listing, its excerpt, the code it ran).",
             "Proposed for MkDocs: an on_files/on_nav-settable 'rebuild' flag per page."),
    Coupling("mkdocs.structure.pages:Page.render", "320529348f7a8af1", "patch",
             "reuse_render (preview: a listed post's conversion kept from the last build)",
             "The blog plugin converts every post a rebuilt index lists, for its excerpt.",
             "As the Excerpt.render proposal above."),
    Coupling("mkdocs_autorefs._internal.plugin:AutorefsPlugin.__init__", "2b742b6462b7a8ec",
             "private read", "autorefs_maps / restore_autorefs (preview)",
             "Autorefs learns where each API object lives while rendering the reference pages; "
             "a dirty rebuild that does not render them would lose every cross-reference.",
             "Proposed for mkdocs-autorefs: keep the maps across `serve` rebuilds."),
    Coupling("mkdocs.livereload:LiveReloadServer.__init__", "e79efeb939bfe4b4",
             "private read", "use_content_observer (preview: server.observer, re-watched "
             "through the public watch()/unwatch())",
             "MkDocs polls every watched file each half second and counts any event, reads "
             "included, as a change; the preview needs the native observer and content "
             "changes only (issue 23: it rebuilt forever after one save).",
             "MkDocs polls on purpose (mkdocs/mkdocs#2477, fixing #2457: Docker and network "
             "mounts); proposed: an opt-in `serve` option for the native observer, whose "
             "callback ignores FileOpenedEvent/FileClosedNoWriteEvent (see issue 24's note)."),
    Coupling("mkdocs.livereload:LiveReloadServer.watch", "5db077e3a3e7f8e3", "private read",
             "use_content_observer (counts per path, as watch() keeps them)",
             "As above.", "As above."),
    Coupling("threading:_register_atexit", "96e922e98657ea6d", "private read",
             "execution.pool (cancel the workers before concurrent.futures joins threads)",
             "An atexit handler runs after non-daemon threads are joined: a build stopped by "
             "Ctrl-C would wait for a looping block's timeout.",
             "CPython exposes no public hook before thread joining (python/cpython#86128 "
             "discusses atexit and threads)."),
    Coupling("multiprocessing.util:_run_finalizers", "6ecd76753e7846c9", "private read",
             "execution.worker (release named semaphores before the worker is killed)",
             "The worker is killed with its process group; finalizers would not run.",
             "None needed while the worker exits by signal."),
    Coupling("file:sphinx/search/minified-js/base-stemmer.js", "d42c3db25433456d",
             "package file", "snowball_english_js (search: the browser's stemmer)",
             "The browser must stem exactly as the indexer (snowballstemmer 3.0.1); the only "
             "pinned JavaScript build of Snowball 3.0.1 in the registries is the one Sphinx "
             "ships among its files (npm's builds differ on hundreds of words).",
             "A JavaScript build published by the Snowball project (snowballstem.org) on npm "
             "would let the site pin it directly."),
    Coupling("file:sphinx/search/minified-js/english-stemmer.js", "7d7aea429ad57d94",
             "package file", "snowball_english_js", "As above.", "As above."),
    Coupling("pymdownx.highlight:Highlight.highlight", "5a4b07ca78d4f49d", "patch",
             "cache_highlighting (execblog-build: execblog/build/highlight_cache.py)",
             "Every build highlights every code block again through Pygments (at 50 posts, "
             "1.6 s of a 13.6 s build under cProfile) for HTML that changes only with the "
             "block, its options or the packages' versions (issue 24: the build no slower). "
             "The key holds every argument and setting of the highlighter; calls with a "
             "side effect (inline code, HTML titles kept in the Markdown stash) are not cached.",
             "Proposed for pymdown-extensions: a cache hook (or a pure highlight function "
             "taking its settings) that a site generator can memoize across builds."),
    Coupling("file:material/templates/base.html", "8536d352b0093623", "package file",
             "overrides/main.html (the `scripts` block: Material's bundle deferred by "
             "replacing its tag's `.min.js\"></script>`; every page checked by "
             "tests/site/markup.py page_problems)",
             "Material writes its bundle as a plain <script> at the end of <body>; Lighthouse "
             "counts it as holding up the first paint of a long post (the convolution post's "
             "first contentful paint 1.96 -> 1.65 s deferred, issue 27).",
             "Proposed for Material: write the bundle with `defer` (it already waits for "
             "DOMContentLoaded), or a `theme.defer_scripts` option."),
    Coupling("file:material/templates/partials/progress.html", "f7596002950a7d9f", "package file",
             "overrides/partials/progress.html (the same bar, named)",
             "Material's instant-navigation progress bar has role=progressbar without a name: "
             "a WCAG 2.2 A violation (axe-core's aria-progressbar-name) on every page.",
             "Proposed for Material: an aria-label on div.md-progress, translated."),
    Coupling("pymdownx.superfences:RE_NESTED_FENCE_START", "1ac9ff48f4998dcc", "private read",
             "execution.scan (find executed blocks as superfences does)",
             "Blocks are found before conversion with the same fence grammar.",
             "A documented fence-parsing API in pymdown-extensions."),
    Coupling("pymdownx.superfences:RE_OPTIONS", "0f3d1b182b74e818", "private read",
             "execution.scan", "As above.", "As above."),
]


def package_file(target: str) -> str:
    """``"file:package/relative/path"``: a file another package installs."""
    from importlib.resources import files

    package, _, relative = target.removeprefix("file:").partition("/")
    return (files(package) / relative).read_text(encoding="utf-8")


def resolve(target: str):
    module_name, _, qualname = target.partition(":")
    value = importlib.import_module(module_name)
    for part in qualname.split("."):
        value = getattr(value, part)
    return getattr(value, "original", value)


def source_of(target: str) -> str:
    if target.startswith("file:"):
        return package_file(target)
    value = resolve(target)
    if isinstance(value, re.Pattern):
        return f"{value.pattern!r} {value.flags}"
    try:
        return inspect.getsource(value)
    except TypeError:
        return repr(value)


def digest_of(target: str) -> str:
    return hashlib.sha256(source_of(target).encode()).hexdigest()[:16]


def changed() -> list[Coupling]:
    """The couplings whose upstream code is no longer what the engine was checked against."""
    return [c for c in COUPLINGS if digest_of(c.target) != c.digest]


# ---------------------------------------------------------------------------------------
# The build's speed-ups (patches of Material and MkDocs; no output changes)


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


# Reference-style link targets ([id]: url) and abbreviations (*[HTML]: ...), on their lines.
DEFINITION = re.compile(r"^ {0,3}(?:\[[^\]\n]+\]|\*\[[^\]\n]+\]):[^\n]*$", re.MULTILINE)
# What stands for the rest of the post: the plugin only tests that there is a rest, to show
# "Continue reading".
REST = "<!-- the rest of the post -->"


def render_excerpt(excerpt, page, separator: str) -> None:
    """Material's Excerpt.render, converting only the part of the post before
    ``separator`` (with the link and abbreviation definitions of the rest)."""
    whole_post = render_excerpt.original
    post = excerpt.post
    head, found, rest = post.markdown.partition(separator)
    if not found:
        return whole_post(excerpt, page, separator)
    whole = post.markdown
    post.markdown = "\n\n".join([head + separator, *DEFINITION.findall(rest), REST])
    try:
        return whole_post(excerpt, page, separator)
    finally:
        post.markdown = whole


# What the plugin's parser reads no text from: comments, declarations, and the elements
# it skips (their whole content: the formulas' SVG holds no nested <svg>), then every
# other tag.
UNREAD = re.compile(r"<!--.*?-->|<![^>]*>"
                    r"|<(script|style|svg|object)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?</\1\s*>",
                    re.S | re.I)
TAG = re.compile(r"</?[a-zA-Z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
IMAGE = re.compile(r"<img\b", re.I)
_minutes: dict[tuple[bytes, int], int] = {}  # a page's count, by its HTML's digest


def readtime(page_html: str, words_per_minute: int) -> int:
    """Minutes to read ``page_html``, as material.plugins.blog.readtime.readtime counts them
    (words at ``words_per_minute``, then 12 s for the first image, 11 for the second, down
    to 3 s each from the tenth), with regular expressions instead of HTMLParser."""
    key = (hashlib.blake2b(page_html.encode("utf-8"), digest_size=16).digest(),
           words_per_minute)
    if key not in _minutes:
        _minutes[key] = _count_minutes(page_html, words_per_minute)
    return _minutes[key]


def _count_minutes(page_html: str, words_per_minute: int) -> int:
    images = len(IMAGE.findall(page_html))
    text = html.unescape(TAG.sub("", UNREAD.sub("", page_html)))
    seconds = ceil(len(re.split(r"\W+", text)) / words_per_minute * 60)
    delta = 12
    for _ in range(images):
        seconds += delta
        delta = max(delta - 1, 3)
    return ceil(seconds / 60)


def get_env(theme) -> jinja2.Environment:
    """MkDocs' Theme.get_env, with a Jinja bytecode cache in ``get_env.cache_dir``."""
    env = get_env.original(theme)
    get_env.cache_dir.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(get_env.cache_dir))
    return env


def patch(owner, name: str, replacement) -> None:
    """``owner.name = replacement``, keeping the original on ``replacement.original``."""
    current = getattr(owner, name)
    replacement.original = getattr(current, "original", current)
    setattr(owner, name, replacement)


def cache_highlighting(cache) -> None:
    """Put ``cache`` (execblog.build.highlight_cache.HighlightCache, or None to stop) in
    front of pymdownx.highlight's ``Highlight.highlight`` for code blocks. Inline code and
    titles written as HTML (stored in the Markdown instance's stash: a side effect) are
    highlighted as before."""
    from pymdownx.highlight import Highlight

    cached_highlight.cache = cache
    patch(Highlight, "highlight", cached_highlight)
    cached_highlight.signature = inspect.signature(cached_highlight.original)


def cached_highlight(self, src, language, *args, **kwargs):
    original = cached_highlight.original
    cache = cached_highlight.cache
    if cache is None:
        return original(self, src, language, *args, **kwargs)
    arguments = cached_highlight.signature.bind(self, src, language, *args, **kwargs).arguments
    if arguments.get("inline") or (self.title_mode == "html"
                                   and (arguments.get("title") or self.auto_title)):
        return original(self, src, language, *args, **kwargs)
    settings = sorted((name, value) for name, value in vars(self).items() if name != "md")
    key = cache.key((settings, sorted((name, value) for name, value in arguments.items()
                                      if name != "self")))
    found = cache.get(key)
    if found is None:
        found = original(self, src, language, *args, **kwargs)
        cache.put(key, found)
    return found


cached_highlight.cache = None


def install_build_speedups(jinja_cache: Path) -> None:
    """The build's speed-ups, before the blog plugin reads any post (idempotent)."""
    import material.plugins.blog.plugin as blog_plugin
    import material.plugins.blog.structure as blog_structure
    from mkdocs.theme import Theme

    blog_structure.SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if not isinstance(blog_structure.yaml, _FrontMatter):
        blog_structure.yaml = _FrontMatter()
    patch(blog_structure.Excerpt, "render", render_excerpt)
    patch(blog_plugin, "readtime", readtime)
    get_env.cache_dir = Path(jinja_cache)
    patch(Theme, "get_env", get_env)


# ---------------------------------------------------------------------------------------
# The preview (`mkdocs serve --dirty`)


def shown_posts(blog, view) -> list:
    """The posts a view page of the blog plugin lists (one page of a paginated view shows
    a slice)."""
    if blog._config_pagination(view) and view.pages:
        step = blog._config_pagination_per_page(view)
        at = view.pages.index(view)
        return view.posts[at * step: (at + 1) * step]
    return list(view.posts)


def force_modified(file, modified: bool) -> None:
    """Whether a dirty build writes ``file``'s page (MkDocs asks ``file.is_modified()``)."""
    file.is_modified = (lambda: True) if modified else (lambda: False)


def reuse_render(page, render: Callable) -> None:
    """Replace one page's ``render`` (MkDocs calls ``page.render(config, files)``)."""
    page.render = types.MethodType(render, page)


# What Page.render sets on a page: kept to reuse a conversion (reuse_render).
RENDERED = ("content", "toc", "_title_from_render", "present_anchor_ids", "links_to_anchors")
AUTOREFS_MAPS = ("_primary_url_map", "_secondary_url_map", "_title_map", "_abs_url_map")


def autorefs_maps(autorefs) -> dict[str, dict]:
    return {name: dict(getattr(autorefs, name)) for name in AUTOREFS_MAPS}


def restore_autorefs(autorefs, known: dict[str, dict]) -> None:
    """Give autorefs what an earlier build learnt, under what this build learnt."""
    for name in AUTOREFS_MAPS:
        merged = dict(known[name])
        merged.update(getattr(autorefs, name))
        setattr(autorefs, name, merged)


def cache_theme_listing(listing: Callable) -> None:
    """Have MkDocs list the theme's files through ``listing(files, env, config, original)``."""
    from mkdocs.structure.files import Files

    def add_files_from_theme(files, env, config):
        return listing(files, env, config, add_files_from_theme.original)

    patch(Files, "add_files_from_theme", add_files_from_theme)


def use_content_observer(server, observer) -> None:
    """Have the live-reload server watch its paths with ``observer`` (not yet started).

    ``server.observer`` is made in ``LiveReloadServer.__init__`` and started by ``serve()``;
    the paths it watches are read from the observer (watchdog's public ``emitters``),
    unwatched and watched again through MkDocs' public ``unwatch``/``watch``, which keep a
    count per path (hence the loop: unwatch until MkDocs no longer knows the path)."""
    watched: list[tuple[str, int, bool]] = []
    for emitter in list(server.observer.emitters):
        path, count = emitter.watch.path, 0
        while True:
            try:
                server.unwatch(path)
            except KeyError:
                break
            count += 1
        watched.append((path, count, emitter.watch.is_recursive))
    server.observer = observer
    for path, count, recursive in watched:
        for _ in range(count):
            server.watch(path, recursive=recursive)


# ---------------------------------------------------------------------------------------
# CPython and pymdown-extensions


def register_before_thread_join(function: Callable[[], None]) -> None:
    """Run ``function`` at exit before the interpreter joins non-daemon threads (atexit
    handlers run after, too late to stop workers that threads are waiting on)."""
    threading._register_atexit(function)


def run_multiprocessing_finalizers() -> None:
    from multiprocessing import util

    util._run_finalizers(0)
    util._run_finalizers()


def snowball_english_js() -> tuple[str, str]:
    """Snowball's JavaScript base stemmer and English stemmer, as Sphinx installs them."""
    return (package_file("file:sphinx/search/minified-js/base-stemmer.js"),
            package_file("file:sphinx/search/minified-js/english-stemmer.js"))


def superfences_patterns() -> tuple[re.Pattern, re.Pattern]:
    """The fence grammar of pymdownx.superfences: (nested fence start, options)."""
    from pymdownx.superfences import RE_NESTED_FENCE_START, RE_OPTIONS

    return RE_NESTED_FENCE_START, RE_OPTIONS


if __name__ == "__main__":
    for coupling in COUPLINGS:
        print(f"{digest_of(coupling.target)}  {coupling.target}")
