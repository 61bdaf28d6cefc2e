"""Highlighted code kept between builds: Pygments' HTML for a code block, keyed on what made it.

A warm build of the blog highlights every code block of every page again (pymdownx.highlight
through Pygments): at 50 posts, 1.6 s of a 13.6 s build under cProfile, for output that
only changes when a block, its options or Pygments do (kept, the warm build took 3-8 % less:
benchmarks/RESULTS.md). ``HighlightCache`` keeps each block's HTML in
``<cache>/highlight.sqlite``; execblog.compat's ``cache_highlighting`` puts it in front of
``pymdownx.highlight.Highlight.highlight``. The key is a digest of the code, every argument,
every setting of the highlighter and the versions of Pygments and pymdown-extensions, so an
entry is never served for other input; each entry carries its own digest, so a damaged one is
made again. New entries are written once, at the end of the build.
"""

from __future__ import annotations

import sqlite3
from importlib.metadata import version
from pathlib import Path

from execblog import sqlite_cache
from execblog.sqlite_cache import checksum

VERSIONS = f"pygments {version('pygments')}, pymdown-extensions {version('pymdown-extensions')}"


class HighlightCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.new: dict[str, str] = {}
        self.hits = 0
        self.db = sqlite_cache.open_table(
            path, "CREATE TABLE IF NOT EXISTS html (key TEXT PRIMARY KEY, html TEXT, sha256 TEXT)",
            "html", "The highlighting cache")

    @staticmethod
    def key(parts: object) -> str:
        return checksum(f"{VERSIONS}\0{parts!r}")

    def get(self, key: str) -> str | None:
        if key in self.new:
            return self.new[key]
        row = self.db.execute("SELECT html, sha256 FROM html WHERE key = ?", (key,)).fetchone()
        if row is None or not isinstance(row[0], str) or checksum(row[0]) != row[1]:
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
                                    [(k, v, checksum(v)) for k, v in self.new.items()])
        except sqlite3.OperationalError as error:
            raise sqlite_cache.cache_error(self.path, error, "The highlighting cache") from None
        self.new.clear()
