"""Serve a built site the way GitHub Pages does, and start the system's headless Chromium.

Shared by the browser tests (``tests/browser``) and ``benchmarks/page_weight.py``.
No browser is ever downloaded: Playwright drives Debian's ``/usr/bin/chromium``, or the
executable named by ``CHROMIUM_PATH`` (GitHub's runners have Google Chrome instead).
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def screen(touch: bool) -> dict:
    """A browser context's options for a touch screen without hover (a phone, as Material
    tells them apart: it takes wide code blocks out of the tab order there), or not."""
    return {"is_mobile": touch, "has_touch": touch}


POST_PAGE = re.compile(r"^blog/\d{4}/\d{2}/\d{2}/[^/]+/index\.html$")
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The host name pages are loaded from; reserved (RFC 2606), so it can only be this server.
SITE_HOST = "site.test"
# Without the background-networking flags Chromium opens connections of its own (component
# updates, sync, QUIC probes) that this machine refuses; the host-resolver rule makes every
# name but the local server fail at once, so a stray third-party request can never leave.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def site_url() -> str:
    """``site_url`` from mkdocs.yml, e.g. ``https://example.github.io/ml-blog/``."""
    url = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
    return url if url.endswith("/") else url + "/"


def base_path() -> str:
    """The path the site is deployed under, e.g. ``/ml-blog/``.

    The build writes it into absolute URLs (``404.html`` links ``/ml-blog/assets/...``),
    so the site is served under the same prefix here, as GitHub Pages serves it.
    """
    return urlsplit(site_url()).path or "/"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"no Chromium at {path}: the browser tests drive the system's Chromium and never "
            "download one. Install it with `apt-get update && apt-get install -y chromium` "
            "(Debian/Ubuntu; .ci/run does this), or point CHROMIUM_PATH at a Chrome or "
            "Chromium executable (e.g. CHROMIUM_PATH=/usr/bin/google-chrome)."
        )
    return path


def launch(playwright):
    """One headless Chromium from the system, never a downloaded one."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


def unrecorded():
    """tests/selection.py's ``unrecorded`` when pytest records what tests read (the module
    is loaded only then: benchmarks use this harness too), else nothing."""
    selection = sys.modules.get("tests.selection")
    return selection.unrecorded() if selection else nullcontext()


class _Handler(SimpleHTTPRequestHandler):
    """Serves ``directory`` at ``prefix`` to requests for ``SITE_HOST`` (as an HTTP proxy)
    or for 127.0.0.1 (directly); anything else under the host is 404 with the site's
    404 page, any other host 502, and CONNECT (https to anywhere) 501."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if not path.startswith(self.prefix):
            return os.path.join(self.directory, "\0outside-the-prefix")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_head(self):
        target = urlsplit(self.path)  # absolute-form when Chromium uses us as its proxy
        host = target.hostname or self.headers.get("Host", "").rsplit(":", 1)[0]
        if host not in (SITE_HOST, "127.0.0.1"):
            self.send_error(502, f"only {SITE_HOST} is served here, not {host}")
            return None
        if target.path + "/" == self.prefix:  # /ml-blog -> /ml-blog/
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.end_headers()
            return None
        if not os.path.exists(self.translate_path(self.path)):
            not_found = Path(self.directory) / "404.html"
            if not_found.is_file():
                body = not_found.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
        if target.path.endswith("/sitemap.xml"):
            with unrecorded():  # not a dependency of a post's own checks
                return super().send_head()
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    """A threading server that does not report clients hanging up (shared by
    benchmarks/pages_server.py)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a browser closing a connection early is not an error of the site


@dataclass(frozen=True)
class Served:
    root_url: str  # the site's root as the browser sees it: http://site.test/ml-blog/
    proxy: dict  # for browser.new_context(proxy=...): the local server
    direct_url: str  # the same root straight from the server, for curl and debugging


@contextmanager
def serve(site: Path) -> Iterator[Served]:
    """Serve ``site`` on 127.0.0.1 at a free port, at the deployed path (``/ml-blog/``).

    Pages are loaded as ``http://site.test/ml-blog/...`` through the server as the browser
    context's proxy, so that URLs have the deployed shape: a path prefix and no port.
    Material's instant navigation needs both: it recognises a link as the site's own by
    looking it up in sitemap.xml, whose https://<site_url host>/ml-blog/... addresses it
    rewrites to the current protocol and host name, but not port. On 127.0.0.1:<port> (as
    under ``mkdocs serve``) every click would be a full page load.
    """
    prefix = base_path()
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    server = QuietServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_port}"
    try:
        yield Served(f"http://{SITE_HOST}{prefix}", {"server": address}, address + prefix)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def page_url(root_url: str, site: Path, html_file: Path) -> str:
    """The URL of a built page: ``blog/index.html`` -> ``<root>blog/``."""
    relative = html_file.relative_to(site).as_posix()
    if relative == "index.html":
        return root_url
    if relative.endswith("/index.html"):
        return root_url + relative[: -len("index.html")]
    return root_url + relative


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def post_pages(site: Path) -> list[Path]:
    """The blog posts' pages, ``blog/YYYY/MM/DD/<slug>/index.html``."""
    return [p for p in html_pages(site) if POST_PAGE.match(p.relative_to(site).as_posix())]


LISTING = re.compile(r"^(blog/(?:archive/[^/]+(?:/[^/]+)?/|category/[^/]+/)?)(?:page/(\d+)/)?"
                     r"index\.html$")

# A series' own page, listing its posts in order (execblog's posts plugin).
SERIES = re.compile(r"^blog/series/[^/]+/index\.html$")


def listings(site: Path) -> dict[str, list[Path]]:
    """The blog's lists of excerpts by list (``blog/``, ``blog/archive/2026/11/``,
    ``blog/category/optimization/``), each list's pages in order."""
    found: dict[str, dict[int, Path]] = {}
    for page in html_pages(site):
        match = LISTING.match(page.relative_to(site).as_posix())
        if match:
            found.setdefault(match.group(1), {})[int(match.group(2) or 1)] = page
    return {name: [pages[n] for n in sorted(pages)] for name, pages in sorted(found.items())}


def sampled_pages(site: Path) -> list[Path]:
    """The pages other than posts that the browser loads: a number that does not grow with
    the posts (each post is loaded by its own test, tests/browser/test_post_pages.py).

    Every page that is not a post or a list of posts (home, about, API reference, 404...);
    the first and last series' pages;
    the blog index's first, second and last pages; each category's first page and the last
    page of the longest category; the first and last pages of the newest and the oldest
    month's archive. Every page's HTML, lists included, is checked without a browser too
    (tests/site/test_markup.py, and each post's in tests/site/test_post_html.py).
    """
    lists = listings(site)
    chosen, series = [], []
    for page in html_pages(site):
        path = page.relative_to(site).as_posix()
        if SERIES.match(path):
            series.append(page)
        elif not POST_PAGE.match(path) and not LISTING.match(path):
            chosen.append(page)
    # A series' page lists its posts (one more page every few posts): the first and last.
    series.sort()
    chosen += series[:1] + series[-1:]
    index = lists.get("blog/", [])
    chosen += index[:2] + index[-1:]
    categories = [pages for name, pages in lists.items() if name.startswith("blog/category/")]
    chosen += [pages[0] for pages in categories]
    if categories:
        chosen.append(max(categories, key=len)[-1])
    months = [pages for name, pages in lists.items() if name.startswith("blog/archive/")]
    for pages in months[:1] + months[-1:]:
        chosen += [pages[0], pages[-1]]
    return sorted(set(chosen))


# The id of the one test that loads the whole sample: when the blog is built by the test run
# itself (a bare ``pytest``), the sample is not known while the tests are collected.
WHOLE_SAMPLE = "whole-sample"


def collected_sample() -> list[str]:
    """The sample's pages (paths in the site) to parametrize tests with, one test a page, so
    that ``make test`` reruns the checks of the pages a change changed (tests/selection.py):
    the site ``BLOG_BUILT_SITE`` names (``make test`` builds it before pytest starts), or
    ``[WHOLE_SAMPLE]`` without one."""
    from tests.selection import built_site  # (benchmarks use this harness without pytest's)

    site = built_site()
    if site is None:
        return [WHOLE_SAMPLE]
    return [page.relative_to(site).as_posix() for page in sampled_pages(site)]


def sample_pages(site: Path, chosen: str) -> list[Path]:
    """The pages a test parametrized by ``collected_sample`` checks."""
    if chosen == WHOLE_SAMPLE:
        return sampled_pages(site)
    assert (site / chosen).is_file(), \
        f"{chosen}: no such page in {site} (the tests were collected from another build)"
    return [site / chosen]
