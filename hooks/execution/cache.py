"""A page's executed results on disk, in ``.cache/exec/``, valid while what they ran is.

The unit is a page: its blocks run in order in one worker (blocks of a session share
variables, and every block shares the process's imports), so a page's results depend on
all of its blocks. An entry is found by a key made of each block's code and the options
that change what it computes (``session``, ``result``, ``alt``), the versions of Python,
NumPy, Matplotlib, scikit-learn, SciPy and pandas, and ``RESULT_FORMAT``. It holds the
results and the dependencies recorded while they ran (deps.py); a lookup is a hit only if
every one of those still has the digest it had. A damaged entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from execution import deps

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

    def key_part(self) -> str:
        return json.dumps([self.code, self.session, self.show_result, self.alt])


def cache_dir() -> Path:
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("BLOG_CACHE_DIR", root / ".cache")) / "exec"


def page_key(blocks: list[Block]) -> str:
    digest = hashlib.sha256(RESULT_FORMAT.encode())
    digest.update(json.dumps(deps.versions(), sort_keys=True).encode())
    for block in blocks:
        digest.update(b"\0block\0" + block.key_part().encode())
    return digest.hexdigest()


def load(key: str, root: Path) -> list[dict] | None:
    """The results stored under ``key`` if what they ran is unchanged, else None."""
    path = cache_dir() / f"{key}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        results, recorded = entry["results"], entry["deps"]
        if not deps.unchanged(root, recorded):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or damaged: a miss, never a wrong answer
    return results


def store(key: str, results: list[dict], recorded: dict) -> None:
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key}.json"
    temporary = path.with_suffix(f".{os.getpid()}.{id(results)}.tmp")
    temporary.write_text(json.dumps({"results": results, "deps": recorded}), encoding="utf-8")
    os.replace(temporary, path)  # readers never see half an entry


# The key of each page's latest results (by src_uri), kept from build to build of the preview.
page_keys: dict[str, str] = {}


def pages_depending_on(files: set[str]) -> set[str]:
    """The pages whose latest results ran or read any of ``files`` (paths from the root)."""
    found = set()
    for page, key in list(page_keys.items()):
        recorded = stored_deps(key)
        if recorded and files & (recorded["code"].keys() | recorded["data"].keys()):
            found.add(page)
    return found


def stored_deps(key: str) -> dict | None:
    """The dependencies recorded in an entry (for benchmarks and the preview)."""
    try:
        return json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))["deps"]
    except (OSError, ValueError, KeyError):
        return None

