"""Formatted citations kept between builds.

citeproc-py formats a page's citations and reference list in Python, a few hundredths of a
second a page: at 365 posts, seconds of every build for what did not change. What it gives
is a pure function of the page's citations (keys, locators, prefixes, in order), the cited
entries, the style and the code that formats them (``Formatter.kept_key``), so it is kept in
``citations.json`` in the build's cache directory under that key, each value with the digest
of its JSON. A damaged file or entry is formatted again and said in one line of the log.
The file is written whole, through a temporary file, at the end of a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from mkdocs.plugins import get_plugin_logger

log = get_plugin_logger(__name__)
FILE = "citations.json"


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


class Kept:
    """``get(key)`` (None when not kept or damaged), ``put(key, value)`` and ``save()``; the
    file is in the directory ``folder()`` names when first read (the build's cache
    directory, set by execblog-build's ``cache_dir``)."""

    def __init__(self, folder: Callable[[], Path]):
        self.folder = folder
        self.path: Path | None = None
        self.entries: dict[str, dict] | None = None
        self.new: dict[str, dict] = {}

    def _load(self) -> dict[str, dict]:
        path = self.folder() / FILE
        if self.entries is None or path != self.path:
            self.path, self.entries, self.new = path, {}, {}
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(loaded, dict):
                    raise ValueError("not an object")
                self.entries = loaded
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as error:
                log.info(f"{path} was damaged ({error}); its citations are formatted again")
        return self.entries

    def get(self, key: str):
        found = self.new.get(key) or self._load().get(key)
        if found is None:
            return None
        if not isinstance(found, dict) or digest(found.get("value")) != found.get("sha256"):
            log.info(f"A kept citation entry {key[:16]} in {self.path} was damaged "
                     "(checksum mismatch); formatting it again")
            return None
        return found["value"]

    def put(self, key: str, value: object) -> None:
        self._load()
        self.new[key] = {"value": value, "sha256": digest(value)}

    def save(self) -> None:
        """Write what this build added (nothing to write, nothing written)."""
        if not self.new or self.path is None:
            return
        entries = {**self._load(), **self.new}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent,
                                         prefix=".citations-", delete=False) as out:
            json.dump(entries, out, separators=(",", ":"))
        os.replace(out.name, self.path)
        self.entries, self.new = entries, {}
