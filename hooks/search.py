"""Search through Pagefind: a chunked index, so what a query downloads does not grow with
the blog.

Material's own search sends its whole index to every reader on every page (about 22 KB per
post: 8 MB after a year of posts). Pagefind splits the index into small files and a query
fetches only the chunks for its words. This hook

- marks what is indexed: the article of each page (``data-pagefind-body``), except the
  blog's index, archive and category pages (lists of excerpts that would duplicate every
  post's hits) and the 404 page; inside it, formulas' SVG, permalink signs and the API
  pages' source listings are left out, and a post's categories and tags are added as words;
- runs ``pagefind`` (pinned in package.json, a binary shipped in its npm package) over the
  written site at the end of every build; a failure fails the build, with Pagefind's output.

The header's search box (``overrides/partials/search.html``) and its script
(``docs/javascripts/search.js``) ask Pagefind, in the reader's browser, from the site's own
files. Under ``mkdocs serve`` the index is rebuilt after each save, in the background, so a
save shows without waiting for it.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import subprocess
import threading
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
PAGEFIND = ROOT / "node_modules" / ".bin" / "pagefind"
# Not what a reader searches for: the SVG of formulas, permalink signs, code listings (in
# posts, and the API pages' collapsed "Source code in ..." blocks): the prose explains them.
# (Each search result downloads its page's indexed text: listings would double it.)
EXCLUDED = ["mjx-container", ".headerlink", "details.mkdocstrings-source", ".md-source-file",
            "div.highlight", ".md-clipboard"]
ARTICLE = '<article class="md-content__inner md-typeset">'
log = logging.getLogger("mkdocs.hooks.search")


class State:
    serving = False
    worker: threading.Thread | None = None


state = State()


def on_startup(command, dirty):
    state.serving = command == "serve"


def is_listing(page) -> bool:
    """The blog's index, archive and category pages (Material's blog ``View`` pages)."""
    from material.plugins.blog.structure import View

    return isinstance(page, View)


def search_terms(page) -> str:
    """A post's categories and tags, as words Pagefind indexes but the reader doesn't see."""
    words = [*page.meta.get("categories", []), *page.meta.get("tags", [])]
    if not words or not page.file.src_uri.startswith("blog/posts/"):
        return ""
    return f'<p hidden data-search-terms>{html.escape(" · ".join(map(str, words)))}</p>'


@event_priority(-50)  # after the other hooks have written the page
def on_post_page(output, page, config):
    if is_listing(page) or page.file.src_uri == "404.md" or ARTICLE not in output:
        return output
    start = output.index(ARTICLE)
    end = output.find("</article>", start)
    article = output[start:end].replace(ARTICLE, ARTICLE[:-1] + " data-pagefind-body>", 1)
    return output[:start] + article + search_terms(page) + output[end:]


def index(site_dir: str) -> None:
    """Index the site into ``pagefind/``, replacing the previous index whole (Pagefind
    leaves old fragments behind; under ``mkdocs serve`` the site is written over)."""
    if not PAGEFIND.exists():
        raise PluginError(f"search: {PAGEFIND} is missing; run `npm ci` (make does it)")
    site = Path(site_dir)
    fresh, current, old = site / ".pagefind-new", site / "pagefind", site / ".pagefind-old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    command = [str(PAGEFIND), "--site", site_dir, "--output-path", str(fresh), "--quiet",
               "--exclude-selectors", ", ".join(EXCLUDED)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or re.search(r"^\s*(Error|error):", output, re.M):
        shutil.rmtree(fresh, ignore_errors=True)
        raise PluginError(f"search: pagefind failed on {site_dir}:\n{output}")
    if current.exists():
        current.rename(old)
    fresh.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def index_in_background(site_dir: str) -> None:
    def work() -> None:
        try:
            index(site_dir)
        except PluginError as error:
            log.error(str(error))

    if state.worker is not None:
        state.worker.join()  # one indexing at a time, in the order of the builds
    state.worker = threading.Thread(target=work, name="pagefind", daemon=True)
    state.worker.start()


def on_shutdown():
    if state.worker is not None:
        state.worker.join()


@event_priority(-100)  # last: every page is written
def on_post_build(config):
    if state.serving:
        index_in_background(config.site_dir)
    else:
        index(config.site_dir)
