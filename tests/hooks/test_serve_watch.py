"""hooks/serve_incremental.py has `mkdocs serve` learn of saves from the operating system
instead of listing the watched files every half second."""

from __future__ import annotations

import mkdocs.livereload as livereload
import pytest
import serve_incremental
from watchdog.observers.polling import PollingObserver


@pytest.fixture
def serving():
    """The hook started as under `mkdocs serve --dirty`, undone afterwards."""
    kept = livereload.watchdog, serve_incremental.state.active
    serve_incremental.on_startup(command="serve", dirty=True)
    yield
    livereload.watchdog, serve_incremental.state.active = kept


def test_the_preview_server_is_told_of_a_save_without_polling(serving, tmp_path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    post = docs / "post.md"
    post.write_text("# A post\n", encoding="utf-8")
    server = livereload.LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                                         root=str(tmp_path / "site"))
    assert not isinstance(server.observer, PollingObserver), type(server.observer)
    server.watch(str(docs))
    server.observer.start()
    try:
        post.write_text("# A post\n\nEdited.\n", encoding="utf-8")
        with server._rebuild_cond:
            told = server._rebuild_cond.wait_for(lambda: server._want_rebuild, timeout=10)
        assert told, "the server was not told of the save within 10 s"
    finally:
        server.observer.stop()
        server.observer.join()


def test_a_plain_build_keeps_mkdocs_own_watcher(tmp_path) -> None:
    kept = livereload.watchdog
    serve_incremental.on_startup(command="build", dirty=False)
    assert livereload.watchdog is kept
