"""Serve a built site as GitHub Pages does: gzip for text, ``Cache-Control: max-age=600``.

    python benchmarks/pages_server.py SITE_DIR [PORT]

The browser tests' server (tests/browser/harness.py) says ``no-cache`` and sends every file
as it is on disk, which is right for tests of what a page loads, wrong for a measure of
how fast it loads: Lighthouse counts bytes on the wire and flags short cache lifetimes.
This one answers like GitHub Pages: text (HTML, CSS, JavaScript, SVG, XML, JSON, plain
text) gzip-compressed to a client that accepts it, with ``Vary: Accept-Encoding``; every
response ``Cache-Control: max-age=600`` and ``Last-Modified``, a ``304`` to a matching
``If-Modified-Since``; the site at its deployed path (``/ml-blog/`` from mkdocs.yml's
``site_url``), ``/ml-blog`` redirected to ``/ml-blog/``, a folder to its ``index.html``,
anything missing answered 404 with the site's ``404.html``. Only 127.0.0.1 is listened on.
"""

from __future__ import annotations

import email.utils
import gzip
import mimetypes
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from harness import QuietServer, base_path  # noqa: E402

MAX_AGE = 600  # seconds, as GitHub Pages sends
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json",
                    "application/xml", "image/svg+xml", "application/rss+xml")


@lru_cache(maxsize=4096)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    """A file's gzip body, kept while the file is unchanged (level 6, as nginx's default)."""
    return gzip.compress(Path(path).read_bytes(), 6, mtime=0)


class PagesHandler(BaseHTTPRequestHandler):
    site: Path = Path(".")
    prefix = "/"
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _file(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        if not path.startswith(self.prefix):
            return None
        target = (self.site / path[len(self.prefix):]).resolve()
        if self.site not in (target, *target.parents):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _answer(self, body: bool) -> None:
        path = urlsplit(self.path).path
        folder = path.startswith(self.prefix) and not path.endswith("/") and (
            self.site / unquote(path[len(self.prefix):])).is_dir()
        if path + "/" == self.prefix or folder:
            self.send_response(301)
            self.send_header("Location", path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        target = self._file()
        status = 200
        if target is None:
            status, target = 404, self.site / "404.html"
            if not target.is_file():
                self.send_error(404)
                return
        stat = target.stat()
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        since = self.headers.get("If-Modified-Since")
        if status == 200 and since == modified:
            self.send_response(304)
            self.send_header("Cache-Control", f"max-age={MAX_AGE}")
            self.send_header("Last-Modified", modified)
            self.end_headers()
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        compress = (kind.startswith(COMPRESSED_TYPES)
                    and "gzip" in self.headers.get("Accept-Encoding", ""))
        data = (_gzipped(str(target), stat.st_mtime_ns) if compress
                else target.read_bytes())
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", f"max-age={MAX_AGE}")
        self.send_header("Last-Modified", modified)
        if kind.startswith(COMPRESSED_TYPES):
            self.send_header("Vary", "Accept-Encoding")
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format, *args) -> None:
        pass


@contextmanager
def serve_like_pages(site: Path, port: int = 0) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port unless given); yields the site's root URL,
    ``http://127.0.0.1:<port>/ml-blog/``."""
    handler = type("Handler", (PagesHandler,), {"site": site.resolve(),
                                                "prefix": base_path()})
    server = QuietServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{base_path()}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main() -> int:
    if len(sys.argv) < 2 or not Path(sys.argv[1]).is_dir():
        print(__doc__.strip().splitlines()[2])
        return 2
    with serve_like_pages(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0) \
            as url:
        print(f"serving {sys.argv[1]} at {url} (Ctrl-C stops)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
