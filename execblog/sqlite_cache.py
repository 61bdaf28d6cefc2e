"""A cache table in a SQLite file, as the build's caches keep them (formulas, highlighted
code): each entry with the SHA-256 of its value, so a damaged one is made again; the file
made if need be, started afresh if it is not a database, and an unwritable or locked one
the build's error in one sentence."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from execblog.execution import cache as execution_cache

log = get_plugin_logger("execblog")


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_table(path: Path, create: str, table: str, what: str,
               on_empty: Callable[[sqlite3.Connection], None] | None = None
               ) -> sqlite3.Connection:
    """The database at ``path`` with ``create`` (a CREATE TABLE IF NOT EXISTS) run; when
    ``table`` is empty, ``on_empty(db)`` (say, adopting an older table). ``what`` names the
    cache in messages ("The MathJax cache")."""
    for attempt in (1, 2):
        db = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=60)
            with db:
                db.execute(create)
                if on_empty and db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None:
                    on_empty(db)
            return db
        except sqlite3.OperationalError as error:  # read-only, cannot open, locked...
            if db is not None:
                db.close()
            raise cache_error(path, error, what) from None
        except OSError as error:
            raise execution_cache.not_writable(path.parent, error) from None
        except sqlite3.DatabaseError as error:  # not a database, malformed
            if db is not None:
                db.close()
            if attempt == 2:
                raise PluginError(f"{what} {path} is damaged ({error}) and could not be made "
                                  "again; delete it.") from None
            log.info(f"{what} {path} was damaged ({error}); starting it afresh")
            for leftover in (path, path.with_name(path.name + "-journal")):
                leftover.unlink(missing_ok=True)
    raise AssertionError("unreachable")


def cache_error(path: Path, error: sqlite3.OperationalError, what: str) -> Exception:
    if "locked" in str(error):
        return PluginError(f"{what} {path} stayed locked by another process for 60 s "
                           f"({error}); wait for that build to end, or delete the file.")
    return execution_cache.not_writable(path.parent, error)
