"""What execblog-preview (execblog/preview/incremental.py) changes in `mkdocs serve --dirty`
to answer a save sooner: the server learns of saves from the operating system instead of listing the
watched files every half second, the installed theme's files are listed once, and the
garbage collector runs between rebuilds."""

from __future__ import annotations

import gc
import threading
import time

import mkdocs.livereload as livereload
import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import Files, get_files
from watchdog.observers.polling import PollingObserver

from execblog.preview import incremental as serve_incremental
from tests.conftest import make_fixture_project


@pytest.fixture
def serving():
    """The preview started as under `mkdocs serve --dirty`, undone afterwards."""
    kept = Files.add_files_from_theme
    preview = serve_incremental.Incremental()
    preview.on_startup(command="serve", dirty=True)
    yield preview
    Files.add_files_from_theme = kept


def test_the_preview_server_is_told_of_a_save_without_polling(serving, tmp_path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    post = docs / "post.md"
    post.write_text("# A post\n", encoding="utf-8")
    server = livereload.LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                                         root=str(tmp_path / "site"))
    server.watch(str(docs))  # as `mkdocs serve` does before on_serve
    serving.on_serve(server)
    assert not isinstance(server.observer, PollingObserver), type(server.observer)
    server.observer.start()
    try:
        post.write_text("# A post\n\nEdited.\n", encoding="utf-8")
        with server._rebuild_cond:
            told = server._rebuild_cond.wait_for(lambda: server._want_rebuild, timeout=10)
        assert told, "the server was not told of the save within 10 s"
    finally:
        server.observer.stop()
        server.observer.join()


def test_mkdocs_own_watcher_is_not_replaced_for_everyone(serving, tmp_path) -> None:
    # The observer is changed on the preview's own server (on_serve), not in MkDocs' module.
    server = livereload.LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                                         root=str(tmp_path))
    assert isinstance(server.observer, PollingObserver)
    server.server_close()


def test_the_theme_files_listed_once_are_mkdocs_own_listing(serving, tmp_path) -> None:
    original_add_files_from_theme = Files.add_files_from_theme.original
    assert original_add_files_from_theme.__module__ == "mkdocs.structure.files"
    project = make_fixture_project(tmp_path / "project")
    config = load_config(config_file=str(project / "mkdocs.yml"))
    env = config.theme.get_env()

    def listing(add) -> list[tuple[str, str, str]]:
        files = get_files(config)
        add(files, env, config)
        return sorted((f.src_uri, f.abs_src_path, f.dest_uri) for f in files)

    mkdocs_own = listing(original_add_files_from_theme)
    assert any("assets/javascripts/" in src for src, _, _ in mkdocs_own)
    assert listing(Files.add_files_from_theme) == mkdocs_own  # listed now
    assert listing(Files.add_files_from_theme) == mkdocs_own  # from memory
    # A file added to the project's own theme folder is there on the next save.
    (project / "overrides" / "added.css").write_text("p { color: red }\n", encoding="utf-8")
    assert "added.css" in [src for src, _, _ in listing(Files.add_files_from_theme)]
    assert listing(Files.add_files_from_theme) == \
        listing(original_add_files_from_theme)


@pytest.fixture
def gc_restored():
    """Automatic garbage collection as it was before the test."""
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def collections_during(action, until_one: float = 0.0) -> int:
    """How many full collections ran while ``action()`` ran, waiting up to ``until_one``
    seconds more for the first (a loaded machine may start the timer's thread late)."""
    seen = []
    first = threading.Event()

    def count(phase, info):
        if phase == "stop" and info["generation"] == 2:
            seen.append(info)
            first.set()

    gc.callbacks.append(count)
    try:
        action()
        first.wait(until_one)
    finally:
        gc.callbacks.remove(count)
    return len(seen)


def test_the_preview_collects_garbage_when_idle_not_during_a_rebuild(gc_restored) -> None:
    collector = serve_incremental.IdleCollector(delay=0.3, most=2)
    collector.build_ends()
    assert not gc.isenabled(), "automatic collection is still on after a preview build"
    # Idle past the delay: collected once.
    assert collections_during(lambda: None, until_one=30) == 1
    assert collector.uncollected == 0
    # A rebuild that starts before the delay is over is not interrupted by a collection.
    collector.build_ends()
    assert collections_during(lambda: (collector.build_starts(), time.sleep(1))) == 0
    assert collector.uncollected == 1
    # Rebuilds back to back: after `most` of them without a collection, one runs first.
    collector.build_ends()
    assert collector.uncollected == 2
    assert collections_during(collector.build_starts) == 1
    collector.build_ends()
    assert collections_during(lambda: None, until_one=30) == 1
