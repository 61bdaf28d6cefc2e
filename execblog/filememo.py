"""Values derived from files, each read again only when its file changes.

`mkdocs serve` rebuilds after every save, and most files the engine reads (posts' front
matter, notebooks, snippet sources, the written pages, the code blocks ran) have not
changed since the last rebuild. A ``FileMemo`` keeps what was derived from each file with
the file's modification time (in nanoseconds) and size, and derives it again when either
differs: a save changes the time, a copy over the file changes one or the other. Every
such memory in the engine is one of these, owned by the plugin (or object) that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
Stamp = tuple[int, int]


def stamp(path: Path) -> Stamp:
    """The file's (modification time in ns, size); raises OSError if it cannot be read."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


class FileMemo(Generic[T]):
    def __init__(self) -> None:
        self.entries: dict[Path, tuple[Stamp, T]] = {}

    def get(self, path: Path, derive: Callable[[Path], T]) -> T:
        """``derive(path)``, from memory while the file's time and size are unchanged. An
        exception from ``derive`` (or from reading the file's stamp) propagates and nothing
        is kept."""
        now = stamp(path)
        known = self.entries.get(path)
        if known is not None and known[0] == now:
            return known[1]
        value = derive(path)
        self.entries[path] = (now, value)
        return value

    def keep_only(self, paths: Iterable[Path]) -> None:
        """Forget every file but ``paths`` (the ones a build still has)."""
        wanted = set(paths)
        for path in [path for path in self.entries if path not in wanted]:
            del self.entries[path]

    def clear(self) -> None:
        self.entries.clear()

    def __contains__(self, path: object) -> bool:
        return path in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)
