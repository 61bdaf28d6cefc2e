"""`execblog-search`: the site's own chunked search index, written from the built pages (last
in ``plugins:``).

Events, in order:

- ``on_startup``: whether this is ``mkdocs serve`` (the index is then made in the
  background, and only its changed files are written).
- ``on_config``: the options checked against each other.
- ``on_post_page`` (priority -50, after the other plugins have written the page): the
  article is marked for the index (``data-search-body``; ``="title"`` on a page that only
  lists others), and a post's categories and tags are added as hidden words. The blog's
  own index, archive and category pages and the 404 page are not marked.
- ``on_post_build`` (priority -100, last: every page is written): the written site is
  read (extract.py) and its index written (index.py, files.py) into ``search-index/``.
- ``on_shutdown``: waits for an indexing still running in the background.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger

from execblog.options import Count
from execblog.search.extract import ARTICLE, MARKED, TITLE_ONLY
from execblog.search.files import Known, Preview, read_site, replace_index
from execblog.search.index import INDEX, Settings, index_files

log = get_plugin_logger(__name__)


class Weight(c.BaseConfigOption[float]):
    """A number at least zero (a weight added to a word's score)."""

    def __init__(self, default: float) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValidationError(f"expected a number at least 0, got {value!r}")
        return float(value)


class SearchConfig(base.Config):
    # A chunk of the index is cut before its JSON passes this many bytes...
    chunk_bytes = Count(least=1_000, default=24_000)
    # ... then halved until it gzips to at most this many (what one query word downloads).
    chunk_gzip_bytes = Count(least=500, default=10_000)
    # A page's sections are cut into at most this many parts (a result fetches the parts
    # holding the query's words); at most 52, the bits of an integer JavaScript holds exactly.
    parts = Count(least=1, default=52)
    # BM25's constants: term-frequency saturation and length normalisation.
    k1 = Weight(1.2)
    b = Weight(0.75)
    # Added to a word's BM25 score when it is in the page's title (more than BM25 gives any
    # number of the word in the text, k1 + 1: a page named after a word comes first), in a
    # heading, or among a post's tags and categories.
    title_bonus = Weight(2.5)
    heading_bonus = Weight(1.0)
    terms_bonus = Weight(1.0)
    # Pages (source paths) that only list other pages: indexed by their title alone, so that
    # their lists never outrank the pages they list.
    title_only = c.ListOfItems(c.Type(str), default=["index.md", "calendar.md",
                                                    "reference/index.md", "tags.md"])


class SearchPlugin(BasePlugin[SearchConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.serving = False
        self.settings = Settings()
        self.known: Known = Known()  # pages read by earlier builds (under mkdocs serve)
        self.preview = Preview()
        self.lock = threading.Lock()
        self.pending: str | None = None  # a site built and not yet indexed
        self.worker: threading.Thread | None = None

    def on_startup(self, *, command, dirty) -> None:
        self.serving = command == "serve"

    def on_config(self, config):
        options = self.config
        if options.parts > 52:
            raise PluginError(f"execblog-search: option 'parts': expected at most 52 (the bits "
                              f"JavaScript holds exactly), got {options.parts}")
        if options.chunk_gzip_bytes > options.chunk_bytes:
            raise PluginError(
                f"execblog-search: option 'chunk_gzip_bytes': expected at most chunk_bytes "
                f"({options.chunk_bytes}), got {options.chunk_gzip_bytes}")
        self.settings = Settings(
            chunk_bytes=options.chunk_bytes, chunk_gzip_bytes=options.chunk_gzip_bytes,
            parts=options.parts, k1=options.k1, b=options.b,
            title_bonus=options.title_bonus, heading_bonus=options.heading_bonus,
            terms_bonus=options.terms_bonus)
        return config

    @event_priority(-50)  # after the other plugins have written the page
    def on_post_page(self, output, *, page, config):
        if is_listing(page) or page.file.src_uri == "404.md" or ARTICLE not in output:
            return output
        title_only = page.file.src_uri in self.config.title_only or lists_pages(page)
        mark = TITLE_ONLY if title_only else MARKED
        start = output.index(ARTICLE)
        end = output.find("</article>", start)
        article = output[start:end].replace(ARTICLE, mark, 1)
        return output[:start] + article + search_terms(page) + output[end:]

    @event_priority(-100)  # last: every page is written
    def on_post_build(self, *, config) -> None:
        if self.serving:
            self.index_in_background(config.site_dir)
        else:
            self.index(config.site_dir)

    def on_shutdown(self) -> None:
        worker = self.worker
        if worker is not None:
            worker.join()

    def index(self, site_dir: str) -> None:
        """Index the site into ``search-index/``: anew, or under ``mkdocs serve`` by
        updating the preview's last index."""
        site = Path(site_dir)
        pages = read_site(site, self.known)  # (its errors come before anything is written)
        files = index_files(pages, self.settings)
        if self.serving:
            self.preview.update(site / INDEX, files)
        else:
            replace_index(site / INDEX, files)

    def index_in_background(self, site_dir: str) -> None:
        """Index after this build in a thread, so that the build (and the browser's reload)
        does not wait for it. One indexing runs at a time: a build that ends while one runs
        leaves its site to the same thread, which indexes it next (builds in quick
        succession are indexed once, after the last). An indexing overtaken by a newer build
        does not report its errors: it may have read a page the newer build was writing."""

        def work() -> None:
            while True:
                with self.lock:
                    site = self.pending
                    self.pending = None
                    if site is None:
                        self.worker = None
                        return
                try:
                    self.index(site)
                except PluginError as error:
                    with self.lock:
                        overtaken = self.pending is not None
                    if not overtaken:
                        log.error(str(error))

        with self.lock:
            self.pending = site_dir
            if self.worker is None:
                self.worker = threading.Thread(target=work, name="search-index", daemon=True)
                self.worker.start()


def is_listing(page) -> bool:
    """The blog's index, archive and category pages (Material's blog ``View`` pages)."""
    from material.plugins.blog.structure import View

    return isinstance(page, View)


def lists_pages(page) -> bool:
    """A page whose front matter says it only lists others (``search: {title_only: true}``:
    execblog-citations' series pages), indexed by its title alone as ``title_only``'s."""
    search = page.meta.get("search")
    return isinstance(search, dict) and search.get("title_only") is True


def search_terms(page) -> str:
    """A post's categories and tags, as words the index holds but the reader doesn't see."""
    labels = [*page.meta.get("categories", []), *page.meta.get("tags", [])]
    if not labels or not page.file.src_uri.startswith("blog/posts/"):
        return ""
    return f'<p hidden data-search-terms>{html.escape(" · ".join(map(str, labels)))}</p>'
