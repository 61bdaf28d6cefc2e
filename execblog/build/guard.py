"""A build that is interrupted, or runs beside another, never leaves a broken site.

- **One build of a checkout at a time.** ``mkdocs build`` takes a lock (``fcntl.flock`` on
  ``<cache>/locks/build-<checkout digest>.lock``) before it writes anything, and holds it
  to the end of the build; the operating system releases it if the build is killed. A
  second build of the same checkout says, in one line, which build it waits for (its pid,
  when it started, where it builds), then waits and goes on. The lock is per checkout (the
  directory of ``mkdocs.yml``), not per cache: the tests' copies of the fixture site share
  one cache and build side by side.
- **The site is swapped in whole.** The build writes into a sibling of the site directory,
  ``<site>.building-<pid>`` (same parent, so same file system), and at its very end
  exchanges it with ``<site>`` in one atomic rename (``renameat2(RENAME_EXCHANGE)`` on
  Linux; two renames elsewhere); the previous site is then deleted. Until then ``site/`` is
  the previous complete build, whatever happens to this one: a failure, a strict-mode
  warning or a kill leaves it as it was. A directory left by a killed build is removed by
  the next build of the site. ``mkdocs build --dirty`` starts from a copy of the site.
- **A cache the build cannot write** (a read-only mount, a path under a file) fails the
  build at once with one sentence naming the directory (execution/cache.py), instead of
  tracebacks from whichever cache is written first.

Only ``mkdocs build`` (and ``gh-deploy``) locks and swaps. ``mkdocs serve`` builds into its
own temporary directory, which it alone reads, so it neither waits for ``make build`` nor
makes it wait; the caches both write are safe to share (entries replaced atomically,
SQLite's own locking). (``mkdocs serve --clean`` reports itself to plugins as a build: each
of its rebuilds then takes the lock and is swapped into the server's temporary directory.)
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import fcntl
import hashlib
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from typing import IO

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from execblog.execution import cache as execution_cache

log = get_plugin_logger(__name__)
BUILDING, PREVIOUS = "building", "previous"
LEFTOVER = re.compile(rf"\.(?:{BUILDING}|{PREVIOUS})-(\d+)")


class WarningCounter(logging.Handler):
    """Counts the warnings of this build, as strict mode does (MkDocs aborts after the
    last ``on_post_build``: a strict build with warnings must not be swapped in)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1




# --- The lock ----------------------------------------------------------------------------

def checkout_of(config) -> Path:
    config_file = config.config_file_path
    return Path(config_file).resolve().parent if config_file else Path.cwd().resolve()


def lock_file(checkout: Path, cache_root: Path) -> Path:
    """The lock of one checkout's builds, in the cache (known writable by then)."""
    digest = hashlib.sha256(str(checkout).encode()).hexdigest()[:16]
    return cache_root / "locks" / f"build-{digest}.lock"


def acquire(path: Path, checkout: Path, site: Path) -> IO[str]:
    """Hold ``path``'s lock, waiting (and saying so once) while another build holds it."""
    said = False
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until released
        except OSError as error:
            raise execution_cache.not_writable(path.parent, error) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not said:
                handle.seek(0)
                holder = handle.read().strip() or "pid unknown"
                log.info(f"Another build of this checkout ({checkout}) is running ({holder}); "
                         "waiting for it to finish")
                said = True
            fcntl.flock(handle, fcntl.LOCK_EX)
        # The build that held it removes the file as it lets go (release()): a lock taken
        # on a file no longer at ``path`` is no lock. Take the one that is there now.
        try:
            current = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        handle.close()
    # Who holds it, for a build that waits (read by that build only).
    handle.seek(0)
    handle.truncate()
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    handle.write(f"pid {os.getpid()}, started {started}, building {site}")
    handle.flush()
    return handle


def unlock(handle: IO[str]) -> None:
    """Let go of a lock, removing its file first (the tests' copies of the fixture, each a
    checkout, would otherwise leave one each in the shared cache)."""
    Path(handle.name).unlink(missing_ok=True)
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


# --- The site, built aside and swapped in ------------------------------------------------

def is_running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier build of this process: over
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(final: Path) -> None:
    """Remove the directories that interrupted builds left beside ``final``."""
    if not final.parent.is_dir():
        return
    for path in final.parent.iterdir():
        if not path.name.startswith(final.name):
            continue
        match = LEFTOVER.fullmatch(path.name[len(final.name):])
        if match and path.is_dir() and not is_running(int(match[1])):
            log.info(f"Removing {path}, left by an interrupted build (pid {match[1]})")
            shutil.rmtree(path, ignore_errors=True)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one atomic step; False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second),
                 RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # a file system that cannot
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(building: Path, final: Path) -> None:
    """Make ``building`` the site at ``final``, replacing the previous one whole."""
    if not final.exists():
        building.rename(final)
        return
    if exchange(building, final):
        shutil.rmtree(building, ignore_errors=True)  # the previous site, now
        return
    previous = final.with_name(f"{final.name}.{PREVIOUS}-{os.getpid()}")
    final.rename(previous)
    try:
        building.rename(final)
    except OSError:
        previous.rename(final)
        raise
    shutil.rmtree(previous, ignore_errors=True)


# --- MkDocs events -----------------------------------------------------------------------


class Guard:
    """One build of a checkout at a time, its site written aside and swapped in whole: the
    state of the current build, kept by execblog-build."""

    def __init__(self) -> None:
        self.command: str | None = None
        self.dirty = False
        self.lock: IO[str] | None = None
        self.final: Path | None = None  # the site directory asked for
        self.building: Path | None = None  # where this build writes it
        self.config = None
        self.warnings: WarningCounter | None = None

    def release(self) -> None:
        if self.lock is not None:
            unlock(self.lock)
            self.lock = None

    def discard(self) -> None:
        """Forget this build's directory and give back the site directory and the lock."""
        if self.building is not None:
            shutil.rmtree(self.building, ignore_errors=True)
        if self.config is not None and self.final is not None:
            self.config.site_dir = str(self.final)
        if self.warnings is not None:
            logging.getLogger("mkdocs").removeHandler(self.warnings)
        self.building = self.final = self.config = self.warnings = None
        self.release()

    def on_startup(self, command, dirty):
        self.command, self.dirty = command, dirty

    def on_config(self, config):
        execution_cache.check_writable()
        if self.command not in ("build", "gh-deploy"):
            return config  # serve: a temporary site of its own (see the module's docstring)
        self.discard()  # anything an earlier failed build of this process left
        final = Path(config.site_dir).resolve()
        checkout = checkout_of(config)
        self.lock = acquire(lock_file(checkout, execution_cache.cache_root()), checkout, final)
        remove_leftovers(final)
        building = final.with_name(f"{final.name}.{BUILDING}-{os.getpid()}")
        try:
            if self.dirty and final.is_dir():
                shutil.copytree(final, building, symlinks=True)  # times kept: --dirty reads them
            else:
                building.mkdir(parents=True)
        except OSError as error:
            shutil.rmtree(building, ignore_errors=True)
            self.release()
            raise PluginError(f"Cannot write the site beside {final}: {building} could not be "
                              f"made ({error.strerror or error}).") from None
        self.final, self.building, self.config = final, building, config
        self.warnings = WarningCounter()
        logging.getLogger("mkdocs").addHandler(self.warnings)
        config.site_dir = str(building)
        return config

    def on_post_build(self, config):
        if self.building is None:
            return
        if config.strict and self.warnings and self.warnings.count:
            return  # MkDocs aborts the build now; on_build_error discards it
        building, final = self.building, self.final
        try:
            swap_in(building, final)
        except OSError as error:
            self.discard()
            raise PluginError(f"Cannot put the new site in place at {final} "
                              f"({error.strerror or error}); the previous site is unchanged.") \
                from None
        self.building = None  # swapped in: nothing to discard
        self.discard()
        log.info(f"The new site replaces {final} whole")

    def on_build_error(self, error):
        self.discard()

    def on_shutdown(self):
        self.discard()
