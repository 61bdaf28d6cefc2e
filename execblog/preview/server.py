"""The preview server's side of `make serve`: what counts as a change, what a reader sees
while a rebuild runs or after one failed, and a save that stops a rebuild gone long.

MkDocs' server (``mkdocs.livereload.LiveReloadServer``) rebuilds on any event its file
observer reports, waits for the rebuild before answering any request, and after a failed
rebuild keeps every request waiting ("the server will appear stuck") and prints a
traceback. This module changes three things, through what the server offers plugins in
``on_serve`` (its ``builder`` and its WSGI application) and the observer class it makes:

- **Content, not access.** The observer is the operating system's (inotify, FSEvents)
  rather than a poll of every file each half second, told to report only creations,
  writes, deletions and moves (``CONTENT_EVENTS``), and each event passes only if the
  file's bytes differ from the last seen (``ContentFilter``): a build that opens and reads
  ``nn/`` or a ``touch`` rebuilds nothing; an editor's swap and backup files are ignored.
- **A failed rebuild is shown, not hung on.** The server's builder is wrapped
  (``Preview.guard``): a failure is logged once, the browsers reload, and every page is
  served with an overlay naming the error (the messages the build logged: file and
  line); the next good save clears it.
- **No request waits on a long rebuild.** A page asked for while a rebuild has run for
  more than ``PATIENCE`` seconds is answered at once with a "rebuilding" page that
  reloads itself; a real change saved while executed blocks run stops them
  (``execution.pool.cancel_running``) so the new rebuild starts at once.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable

import watchdog.events
import watchdog.observers
from mkdocs.plugins import get_plugin_logger

from execblog import compat

log = get_plugin_logger(__name__)

CONTENT_EVENTS = [
    watchdog.events.FileCreatedEvent,
    watchdog.events.FileModifiedEvent,
    watchdog.events.FileDeletedEvent,
    watchdog.events.FileMovedEvent,
    watchdog.events.FileClosedEvent,  # closed after writing (not FileClosedNoWriteEvent)
]
# Files an editor or Python writes beside the sources: never part of the site.
IGNORED = re.compile(r"(^|/)(__pycache__|\.ipynb_checkpoints|\.git)(/|$)"
                     r"|(^|/)(4913|\.#[^/]*|#[^/]*#|\.DS_Store)$"
                     r"|\.(swp|swx|swo|tmp|pyc)$|~$")
PATIENCE = 5.0  # seconds a page request waits for a running rebuild before being answered


def fingerprint(path: str) -> str | None:
    """The digest of a file's bytes, or None if it is not a readable file."""
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except (IsADirectoryError, FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    except OSError:
        return None


class ContentFilter:
    """Remembers each watched file's digest; says which paths of an event changed."""

    def __init__(self) -> None:
        self.digests: dict[str, str | None] = {}
        self.lock = threading.Lock()

    def remember(self, root: str) -> None:
        """Record the digest of every file under ``root`` (or of ``root``, a file)."""
        found: dict[str, str | None] = {}
        if os.path.isfile(root):
            found[os.path.abspath(root)] = fingerprint(root)
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [name for name in subfolders if not IGNORED.search(name + "/")]
            for name in files:
                path = os.path.abspath(os.path.join(folder, name))
                if not IGNORED.search(path):
                    found[path] = fingerprint(path)
        with self.lock:
            for path, value in found.items():
                self.digests.setdefault(path, value)

    def changed(self, event: watchdog.events.FileSystemEvent) -> list[str]:
        if event.is_directory:
            return []
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        changed = []
        for raw in paths:
            if not raw:
                continue
            path = os.path.abspath(os.fsdecode(raw))
            if IGNORED.search(path):
                continue
            now = fingerprint(path)
            with self.lock:
                before = self.digests.get(path)
                if now != before and not (now is None and path not in self.digests):
                    changed.append(path)
                if now is None:
                    self.digests.pop(path, None)
                else:
                    self.digests[path] = now
        return changed


class ContentHandler(watchdog.events.FileSystemEventHandler):
    """Passes an event on to MkDocs' handler only when it changed a file's content."""

    def __init__(self, inner: watchdog.events.FileSystemEventHandler, preview: Preview):
        super().__init__()
        self.inner, self.preview = inner, preview

    def dispatch(self, event: watchdog.events.FileSystemEvent) -> None:
        changed = self.preview.files.changed(event)
        if changed:
            self.preview.changed(changed)
            self.inner.dispatch(event)


class Preview:
    """The state of `make serve` across rebuilds: the files' digests, whether a rebuild
    runs, and the last failure."""

    def __init__(self) -> None:
        self.files = ContentFilter()
        self.condition = threading.Condition()
        self.building_since: float | None = None
        self.error: str | None = None  # what the last rebuild logged when it failed
        self.stopped_for: str | None = None  # the save that stopped the running rebuild
        self.attempts = 0
        self.cancel: Callable[[str], int] = lambda reason: 0

    # -- the observer -------------------------------------------------------------------

    def observer_class(self) -> type:
        preview = self
        native = watchdog.observers.Observer

        class ContentObserver(native):  # type: ignore[misc, valid-type]
            """The platform's native observer, reporting content changes only."""

            content_only = True

            def __init__(self, timeout: float = 1.0, **kwargs) -> None:
                super().__init__(timeout=min(timeout, 1.0), **kwargs)

            def schedule(self, event_handler, path, *, recursive=False, event_filter=None,
                         **kwargs):
                preview.files.remember(str(path))
                return super().schedule(ContentHandler(event_handler, preview), path,
                                        recursive=recursive,
                                        event_filter=event_filter or CONTENT_EVENTS, **kwargs)

        return ContentObserver

    def changed(self, paths: list[str]) -> None:
        for path in paths:
            log.debug("Changed: %s", path)
        with self.condition:
            running = self.building_since is not None
        if running:
            name = os.path.relpath(paths[0])
            reason = f"{name} changed while the rebuild ran"
            stopped = self.cancel(reason)
            if stopped:
                with self.condition:
                    self.stopped_for = name

    # -- the builder --------------------------------------------------------------------

    def quiet_when_stopped(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.WARNING or self.stopped_for is None

    def guard(self, builder: Callable[[], None]) -> Callable[[], None]:
        """The server's builder, which no longer raises: a failure is recorded and shown."""

        def guarded() -> None:
            records = Collector()
            mkdocs_log = logging.getLogger("mkdocs")
            # Once a newer save stops this rebuild, what it logs next is only the stop.
            handlers = [records, *mkdocs_log.handlers]
            for handler in handlers:
                handler.addFilter(self.quiet_when_stopped)
            mkdocs_log.addHandler(records)
            with self.condition:
                self.building_since = time.monotonic()
                self.stopped_for = None
                self.attempts += 1
            failure = None
            try:
                builder()
            except KeyboardInterrupt:
                raise
            except BaseException as error:  # noqa: BLE001 - shown in the browser instead
                failure = error
            finally:
                mkdocs_log.removeHandler(records)
                for handler in handlers:
                    handler.removeFilter(self.quiet_when_stopped)
            with self.condition:
                self.building_since = None
                stopped = self.stopped_for
                if failure is None:
                    self.error = None
                elif stopped:
                    pass  # the next rebuild starts at once; the last result stays shown
                else:
                    self.error = records.text() or describe(failure)
                self.condition.notify_all()
            if failure is not None:
                if stopped:
                    log.info("Rebuild stopped: %s changed while it ran; rebuilding", stopped)
                elif records.errors:
                    # The build logged what went wrong already: one more line says the
                    # preview stays up, without a traceback.
                    log.info("The browser shows the error above until a save fixes it")
                else:
                    log.error("Rebuild failed: %s", describe(failure))

        return guarded

    # -- the WSGI application -----------------------------------------------------------

    def application(self, app: Callable) -> Callable:
        """MkDocs' application, answering pages at once while a long rebuild runs and
        with an overlay after a failed one."""

        def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if not path.startswith("/livereload/") and looks_like_page(path):
                with self.condition:
                    self.condition.wait_for(lambda: self.building_since is None,
                                            timeout=PATIENCE)
                    since = self.building_since
                if since is not None:
                    body = rebuilding_page(time.monotonic() - since).encode()
                    start_response("503 Service Unavailable",
                                   [("Content-Type", "text/html; charset=utf-8"),
                                    ("Content-Length", str(len(body))),
                                    ("Cache-Control", "no-store"), ("Retry-After", "1")])
                    return [body]
            answer: dict = {}

            def capture(status, headers, exc_info=None):
                answer["status"], answer["headers"] = status, headers
                return lambda data: None

            body = b"".join(app(environ, capture))
            headers = answer.get("headers", [])
            error = self.error
            kind = next((value for name, value in headers if name.lower() == "content-type"),
                        "")
            if error and kind.startswith("text/html"):
                body = with_overlay(body, error)
                headers = [(name, value) for name, value in headers
                           if name.lower() != "content-length"]
                headers.append(("Content-Length", str(len(body))))
            start_response(answer.get("status", "500 Internal Server Error"), headers)
            return [body]

        return application


class Collector(logging.Handler):
    """The warnings and errors a build logs, for the overlay."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.errors = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors += 1
        self.lines.append(f"{record.levelname}: {record.getMessage()}")

    def text(self) -> str:
        return "\n".join(self.lines)


def describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def looks_like_page(path: str) -> bool:
    return path.endswith("/") or path.endswith(".html") or "." not in path.rsplit("/", 1)[-1]


OVERLAY_STYLE = (
    "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;"
    "background:rgba(20,20,20,.94);color:#fff;font:14px/1.5 monospace;white-space:pre-wrap")


def with_overlay(page: bytes, error: str) -> bytes:
    """The page with the build's error over it (the page underneath is the last good
    build); the server's live-reload script stays, so the next save replaces it."""
    overlay = (
        f'<div id="preview-build-error" role="alert" style="{OVERLAY_STYLE}">'
        '<strong style="color:#ff8a80;font-size:1.2em">The last rebuild failed</strong>'
        " (this page is the last good build; save a fix and it reloads)\n\n"
        f"{html.escape(error)}</div>").encode()
    match = re.search(rb"<body[^>]*>", page)
    if match is None:
        return overlay + page
    return page[:match.end()] + overlay + page[match.end():]


def rebuilding_page(seconds: float) -> str:
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"refresh\" content=\"1\"><title>Rebuilding…</title></head>"
        "<body style=\"font:16px/1.5 sans-serif;margin:3rem\"><h1>Rebuilding…</h1>"
        f"<p>The preview has been rebuilding for {seconds:.0f} s (executed blocks may be "
        "running). This page reloads itself; saving a file stops a long rebuild and starts "
        "a new one.</p></body></html>")


def attach(server, cancel: Callable[[str], int], preview: Preview) -> None:
    """Watch with the content observer; wrap the server's builder and application
    (``on_serve``: the server is made, its paths watched, not yet serving)."""
    preview.cancel = cancel
    if not getattr(server.observer, "content_only", False):
        compat.use_content_observer(server, preview.observer_class()(timeout=1.0))
    if not getattr(server.builder, "guarded", False):
        server.builder = preview.guard(server.builder)
        server.builder.guarded = True
        server.set_app(preview.application(server.get_app()))

