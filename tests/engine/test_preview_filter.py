"""What the preview counts as a change (hooks/preview_server.py's ContentFilter and its
observer), without a server: the ways editors save, and what is not a save."""

from __future__ import annotations

import os
import threading

from watchdog.events import (
    FileClosedNoWriteEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEventHandler,
)

from execblog.preview import server as preview_server


def watched(tmp_path):
    post = tmp_path / "post.md"
    post.write_text("# A post\n", encoding="utf-8")
    files = preview_server.ContentFilter()
    files.remember(str(tmp_path))
    return files, post


def test_a_touch_or_a_rewrite_of_the_same_bytes_is_no_change(tmp_path) -> None:
    files, post = watched(tmp_path)
    post.touch()
    assert files.changed(FileModifiedEvent(str(post))) == []
    post.write_text("# A post\n", encoding="utf-8")
    assert files.changed(FileModifiedEvent(str(post))) == []
    post.write_text("# A post, edited\n", encoding="utf-8")
    assert files.changed(FileModifiedEvent(str(post))) == [str(post)]
    # The editor's second event for the same save (close after write) is not a second change.
    assert files.changed(FileModifiedEvent(str(post))) == []


def test_an_atomic_save_through_a_temporary_file_is_one_change(tmp_path) -> None:
    files, post = watched(tmp_path)
    temporary = tmp_path / "post.md.tmp"
    temporary.write_text("# A post, saved atomically\n", encoding="utf-8")
    assert files.changed(FileModifiedEvent(str(temporary))) == []  # ignored name
    os.replace(temporary, post)
    assert files.changed(FileMovedEvent(str(temporary), str(post))) == [str(post)]


def test_deleting_a_known_file_is_a_change_and_an_unknown_one_is_not(tmp_path) -> None:
    files, post = watched(tmp_path)
    post.unlink()
    assert files.changed(FileDeletedEvent(str(post))) == [str(post)]
    assert files.changed(FileDeletedEvent(str(tmp_path / "never-there.md"))) == []


def test_editor_and_python_leftovers_are_ignored(tmp_path) -> None:
    files, _ = watched(tmp_path)
    for name in (".post.md.swp", "post.md~", "4913", ".#post.md", "__pycache__/m.pyc"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("x", encoding="utf-8")
        assert files.changed(FileModifiedEvent(str(path))) == [], name


class Seen(FileSystemEventHandler):
    def __init__(self) -> None:
        self.events: list = []
        self.any = threading.Event()

    def on_any_event(self, event) -> None:
        self.events.append(event)
        self.any.set()


def test_the_observer_reports_a_write_but_not_reads(tmp_path) -> None:
    preview = preview_server.Preview()
    post = tmp_path / "post.md"
    post.write_text("# A post\n", encoding="utf-8")
    observer = preview.observer_class()(timeout=0.5)
    seen = Seen()
    observer.schedule(seen, str(tmp_path), recursive=True)
    observer.start()
    try:
        for _ in range(20):  # what a build does: open, read, close
            post.read_bytes()
        post.touch()
        assert not seen.any.wait(3), seen.events
        post.write_text("# A post, edited\n", encoding="utf-8")
        assert seen.any.wait(60), "the write was not reported"
        assert not any(isinstance(event, FileOpenedEvent | FileClosedNoWriteEvent)
                       for event in seen.events)
    finally:
        observer.stop()
        observer.join()
