"""Runs pages' blocks in worker processes, several pages at a time, and names every fault.

Each page gets a fresh worker process (worker.py), forked from a fork server that has
imported NumPy and Matplotlib once, so a worker starts in milliseconds and no state leaks
from one page to another. ``jobs`` threads (the number of cores, or ``BLOG_EXEC_JOBS``)
each drive one worker at a time. The parent enforces each block's timeout and sees each
fault: a block past its timeout, a worker that exits (``os._exit``), crashes (a signal such
as SIGSEGV) or is killed (SIGKILL, as the kernel's out-of-memory killer does) becomes the
block's error, with what happened; the blocks after it do not run.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from execution.cache import Block

HOOKS = str(Path(__file__).resolve().parents[1])
DEFAULT_MEMORY = 4 * 2**30
START_TIMEOUT = 120.0  # seconds for a worker to start (a loaded machine)
UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str) -> int:
    """Bytes in ``"4G"``, ``"512M"``, ``"2.5g"`` or ``"1073741824"``."""
    text = str(text).strip().lower().removesuffix("ib").removesuffix("b")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def default_memory() -> int:
    return parse_size(os.environ.get("BLOG_EXEC_MEMORY", str(DEFAULT_MEMORY)))


def default_jobs() -> int:
    return max(1, int(os.environ.get("BLOG_EXEC_JOBS") or os.cpu_count() or 1))


_context = None
_context_lock = threading.Lock()


def context():
    """The fork server's context; it imports NumPy and Matplotlib once, for every worker."""
    global _context
    with _context_lock:
        if _context is None:
            os.environ.setdefault("MPLBACKEND", "Agg")
            if HOOKS not in sys.path:  # the fork server imports `execution` from here
                sys.path.append(HOOKS)
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(["numpy", "matplotlib", "matplotlib.pyplot",
                                             "execution.worker"])
        return _context


@dataclass
class Run:
    """What running a page's blocks gave: one result per block, in order, and the project
    code and data files they used."""

    results: list[dict]
    code: set = field(default_factory=set)
    data: set = field(default_factory=set)

    @property
    def failed(self) -> bool:
        return any(result.get("error") for result in self.results)


def fault(message: str) -> dict:
    return {"outputs": [], "figures": [], "seconds": 0.0, "error": message}


def describe_exit(exitcode: int | None, memory: int) -> str:
    if exitcode is None:
        return "stopped the worker process, which did not answer"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if name == "SIGKILL":
            return (f"was killed (SIGKILL), as the system's out-of-memory killer does: it may "
                    f"have used too much memory (the worker's limit is {memory / 2**30:g} GiB)")
        what = {"SIGSEGV": "a segmentation fault", "SIGABRT": "an abort",
                "SIGBUS": "a bus error", "SIGFPE": "a floating-point exception"}.get(name, name)
        return f"crashed the worker process ({name}: {what})"
    return (f"ended the worker process with exit status {exitcode} (os._exit, or an exit "
            "from native code)")


class Pool:
    """Worker threads, each running one page at a time in a fresh worker process."""

    def __init__(self, jobs: int | None = None, root: Path | None = None,
                 memory: int | None = None, cwd: Path | None = None) -> None:
        self.jobs = jobs or default_jobs()
        self.root = str(root or Path.cwd())
        self.cwd = str(cwd or Path.cwd())
        self.memory = memory or default_memory()
        self.executor = ThreadPoolExecutor(self.jobs, thread_name_prefix="exec-worker")
        self.processes: set = set()
        self.lock = threading.Lock()
        self.cancelled = False

    def submit(self, blocks: list[Block], salt: str) -> Future:
        return self.executor.submit(self.run, blocks, salt)

    def run(self, blocks: list[Block], salt: str) -> Run:
        """Run ``blocks`` in order in a fresh worker; a fault ends the run at its block."""
        if self.cancelled:
            return Run([fault("not run: the build stopped") for _ in blocks])
        ctx = context()
        parent, child = ctx.Pipe()
        from execution import worker

        process = ctx.Process(target=worker.serve, name="exec-worker",
                              args=(child, self.root, self.cwd, self.memory))
        process.start()
        child.close()
        with self.lock:
            self.processes.add(process)
        run = Run([])
        try:
            if not parent.poll(START_TIMEOUT) or self.receive(parent) != "ready":
                raise RuntimeError("the worker process did not start")
            for number, block in enumerate(blocks, 1):
                memory = block.memory or self.memory
                parent.send((block, f"{salt}-{number}"))
                if not parent.poll(block.timeout):
                    process.kill()
                    run.results.append(fault(f"ran past its timeout of "
                                                   f"{block.timeout:g} s; its worker was "
                                                   "stopped"))
                    break
                result = self.receive(parent)
                if result is None:
                    process.join(5)
                    reason = ("not run: the build stopped" if self.cancelled
                              else describe_exit(process.exitcode, memory))
                    run.results.append(fault(reason))
                    break
                run.code.update(map(tuple, result.pop("code")))
                run.data.update(result.pop("data"))
                run.results.append(result)
            if process.is_alive():
                parent.send(None)
        except (OSError, RuntimeError) as error:
            run.results.append(fault(f"could not run in a worker process: {error}"))
        finally:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            parent.close()
            with self.lock:
                self.processes.discard(process)
        # Blocks after a fault did not run; the page fails at the fault.
        while len(run.results) < len(blocks):
            run.results.append({**fault("not run: an earlier block stopped the worker"),
                                "skipped": True})
        return run

    @staticmethod
    def receive(connection):
        try:
            return connection.recv()
        except (EOFError, OSError):
            return None

    def cancel(self) -> None:
        """Stop every worker and every page not started (a failed or finished build)."""
        self.cancelled = True
        with self.lock:
            for process in list(self.processes):
                process.kill()
        self.executor.shutdown(wait=True, cancel_futures=True)

