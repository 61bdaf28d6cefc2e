"""Highlighted code kept between builds: Pygments' HTML for a code block, keyed on what made it.

A warm build of the blog highlights every code block of every page again (pymdownx.highlight
through Pygments): at 50 posts, 1.6 s of a 7.5 s build, for output that only changes when a
block, its options or Pygments do. ``HighlightCache`` keeps each block's HTML in
``<cache>/highlight.sqlite``; execblog.compat's ``cache_highlighting`` puts it in front of
``pymdownx.highlight.Highlight.highlight``. The key is a digest of the code, every argument,
every setting of the highlighter and the versions of Pygments and pymdown-extensions, so an
entry is never served for other input; each entry carries its own digest, so a damaged one is
made again. New entries are written once, at the end of the build.
"""

from __future__ import annotations

import hashlib
import sqlite3
from importlib.metadata import version
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from execblog.execution import cache as execution_cache

log = get_plugin_logger("execblog-build")

VERSIONS = f"pygments {version('pygments')}, pymdown-extensions {version('pymdown-extensions')}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class HighlightCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.new: dict[str, str] = {}
        self.hits = 0
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        for attempt in (1, 2):
            db = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=60)
                with db:
                    db.execute("CREATE TABLE IF NOT EXISTS html "
                               "(key TEXT PRIMARY KEY, html TEXT, sha256 TEXT)")
                return db
            except sqlite3.OperationalError as error:  # read-only, locked...
                if db is not None:
                    db.close()
                raise execution_cache.not_writable(self.path.parent, error) from None
            except OSError as error:
                raise execution_cache.not_writable(self.path.parent, error) from None
            except sqlite3.DatabaseError as error:  # not a database
                if db is not None:
                    db.close()
                if attempt == 2:
                    raise PluginError(f"The highlighting cache {self.path} is damaged "
                                      f"({error}) and could not be made again; delete it."
                                      ) from None
                log.info(f"The highlighting cache {self.path} was damaged ({error}); "
                         "starting it afresh")
                self.path.unlink(missing_ok=True)
        raise AssertionError("unreachable")

    @staticmethod
    def key(parts: object) -> str:
        return digest(f"{VERSIONS}\0{parts!r}")

    def get(self, key: str) -> str | None:
        if key in self.new:
            return self.new[key]
        row = self.db.execute("SELECT html, sha256 FROM html WHERE key = ?", (key,)).fetchone()
        if row is None or not isinstance(row[0], str) or digest(row[0]) != row[1]:
            return None  # (a damaged entry is made again and replaced)
        self.hits += 1
        return row[0]

    def put(self, key: str, html: str) -> None:
        self.new[key] = html

    def save(self) -> None:
        """Write this build's new entries, in one transaction."""
        if not self.new:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?, ?)",
                                    [(k, v, digest(v)) for k, v in self.new.items()])
        except sqlite3.OperationalError as error:
            raise execution_cache.not_writable(self.path.parent, error) from None
        self.new.clear()
