"""A page's executed results on disk, in ``.cache/exec/``, valid while what they ran is.

The unit is a page: its blocks run in order in one worker (blocks of a session share
variables, and every block shares the process's imports), so a page's results depend on
all of its blocks. An entry is found by a key made of each block's code and the options
that change what it computes (``session``, ``result``, ``alt``), the versions of Python,
NumPy, Matplotlib, scikit-learn, SciPy and pandas, and ``RESULT_FORMAT``. It holds the
results and the dependencies recorded while they ran (deps.py); a lookup is a hit only if
every one of those still has the digest it had.

An entry carries the SHA-256 of its payload: one damaged on disk (a truncated write, a
changed byte that still parses) is a miss, reported in one line, and the page's blocks run
again; it is never served. An entry written before checksums were kept is a silent miss.

The cache's root (execblog-build's ``cache_dir``, ``.cache/`` by default) is shared by the
build's other caches; ``check_writable()`` turns a root the build cannot write into one
sentence naming it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from execblog.execution import deps

# Part of every key: a change to what an entry holds makes old entries misses.
RESULT_FORMAT = "3: pages in workers, runtime dependencies"


@dataclass(frozen=True)
class Block:
    """One executed block as the worker needs it."""

    code: str
    session: str | None = None
    show_result: bool = False
    alt: str | None = None
    timeout: float = 120.0
    memory: int | None = None  # bytes of address space; None: the worker's default
    max_output: int | None = None  # bytes it may print and show; None: the worker's default

    def key_part(self) -> str:
        return json.dumps([self.code, self.session, self.show_result, self.alt])


# The plugin logger's name, without importing MkDocs into the workers (they import Block).
log = logging.getLogger(f"mkdocs.plugins.{__name__}")


class Location:
    """Where the build keeps its caches: execblog-build's ``cache_dir`` option, set by that
    plugin first thing as a build reads its configuration (``use_root``)."""

    root = Path(__file__).resolve().parents[2] / ".cache"


def use_root(directory: Path) -> None:
    Location.root = Path(directory)


def cache_root() -> Path:
    """The directory of every cache the build keeps."""
    return Location.root


def cache_dir() -> Path:
    return cache_root() / "exec"


def not_writable(directory: Path, error: BaseException) -> Exception:
    """The build's error (a ``PluginError``: one line, no traceback) for a cache directory
    it cannot write."""
    # (Imported here: the workers import this module for Block, and need no MkDocs.)
    from mkdocs.exceptions import PluginError

    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return PluginError(
        f"The build cache {directory} is not writable ({reason}); make it writable, delete "
        "it, or set execblog-build's cache_dir in mkdocs.yml (BLOG_CACHE_DIR) to another "
        "directory.")


def check_writable(directory: Path | None = None) -> None:
    """Raise ``not_writable()``'s error unless ``directory`` (the cache root) can be created and
    written: a read-only mount, a path under a file, missing permissions."""
    directory = directory or cache_root()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".writable-"):
            pass
    except OSError as error:
        raise not_writable(directory, error) from None


def checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def page_key(blocks: list[Block]) -> str:
    digest = hashlib.sha256(RESULT_FORMAT.encode())
    digest.update(json.dumps(deps.versions(), sort_keys=True).encode())
    for block in blocks:
        digest.update(b"\0block\0" + block.key_part().encode())
    return digest.hexdigest()


class Damaged(ValueError):
    """An entry whose payload does not match its checksum, or that does not parse."""


def read_entry(path: Path) -> dict | None:
    """The payload of the entry at ``path`` (``{"results", "deps"}``); None if there is none
    or it was written before checksums were kept. Raises ``Damaged``.

    An entry is ``{"sha256": <hex>, "payload": <JSON text>}``: the checksum is of the very
    text that is parsed, so any change to it is seen."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise Damaged(f"unreadable: {error}") from None
    try:
        entry = json.loads(text)
    except ValueError:
        raise Damaged("not valid JSON") from None
    if isinstance(entry, dict) and "payload" not in entry and "results" in entry:
        return None  # written before checksums were kept: a miss, not damage
    if not isinstance(entry, dict) or not isinstance(entry.get("payload"), str):
        raise Damaged("no checksummed payload")
    if checksum(entry["payload"]) != entry.get("sha256"):
        raise Damaged("checksum mismatch")
    try:
        payload = json.loads(entry["payload"])
        if not isinstance(payload["results"], list) or not isinstance(payload["deps"], dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise Damaged("its payload is not a cache entry") from None
    return payload


def load(key: str, root: Path) -> list[dict] | None:
    """The results stored under ``key`` if what they ran is unchanged, else None. A damaged
    entry is a miss, reported in one line (the page's blocks run again and replace it)."""
    path = cache_dir() / f"{key}.json"
    try:
        entry = read_entry(path)
    except Damaged as damage:
        log.info(f"Execution cache entry {path} was damaged ({damage}); running the page's "
                 "blocks again")
        return None
    if entry is None:
        return None
    try:
        if not deps.unchanged(root, entry["deps"]):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # recorded dependencies of another shape: a miss, never a wrong answer
    return entry["results"]


def store(key: str, results: list[dict], recorded: dict) -> None:
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key}.json"
    temporary = path.with_suffix(f".{os.getpid()}.{id(results)}.tmp")
    payload = json.dumps({"results": results, "deps": recorded})
    temporary.write_text(json.dumps({"sha256": checksum(payload), "payload": payload}),
                         encoding="utf-8")
    os.replace(temporary, path)  # readers never see half an entry


def pages_depending_on(files: set[str], page_keys: dict[str, str]) -> set[str]:
    """The pages (of ``page_keys``: page -> key of its latest results) whose latest results
    ran or read any of ``files`` (paths from the root)."""
    found = set()
    for page, key in list(page_keys.items()):
        recorded = stored_deps(key)
        if recorded and files & (recorded["code"].keys() | recorded["data"].keys()):
            found.add(page)
    return found


def stored_deps(key: str) -> dict | None:
    """The dependencies recorded in an entry (for benchmarks and the preview); None if it
    is missing or damaged (the next build that needs it reports the damage)."""
    try:
        entry = read_entry(cache_dir() / f"{key}.json")
    except Damaged:
        return None
    return entry["deps"] if entry else None

