"""Runs pages' blocks in worker processes, several pages at a time, and names every fault.

Each page gets a fresh worker process (worker.py), forked from a fork server that has
imported NumPy and Matplotlib once, so a worker starts in milliseconds and no state leaks
from one page to another. ``jobs`` threads (execblog-execution's ``jobs``: the number of
cores by default) each drive one worker at a time. The parent enforces each block's
timeout and sees each fault: a block past its timeout, a worker that exits
(``os._exit``), crashes (a signal such as SIGSEGV) or is killed (SIGKILL, as the kernel's
out-of-memory killer does) becomes the block's error, with what happened; the blocks after
it do not run.

A page runs in a fresh scratch working directory, removed after it, so a relative write
lands there and never in the repository (the worker refuses writes into the repository).
When the page is done (its blocks finished, one failed or ran past its timeout, or the build
stopped), the worker and every process its blocks started are killed: its process group
and its descendants, daemons too (the worker adopts them). What those processes and the
worker write to their standard output and error goes to a log in the scratch directory;
a failed page's error ends with its last lines.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from execblog import compat
from execblog.execution.cache import Block

ENGINE = str(Path(__file__).resolve().parents[1])  # execblog/
IMPORT_ROOT = str(Path(__file__).resolve().parents[2])  # where `import execblog` finds it
DEFAULT_MEMORY = 4 * 2**30
DEFAULT_MAX_OUTPUT = 2**20  # bytes a block may print and show: a page of output
LOG_TAIL = 2000  # characters of the worker's log shown with a failed page's error
START_TIMEOUT = 120.0  # seconds for a worker to start (a loaded machine)
FINISH_TIMEOUT = 10.0  # seconds for a worker to release what it holds, after a page
UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str) -> int:
    """Bytes in ``"4G"``, ``"512M"``, ``"2.5g"`` or ``"1073741824"`` (more than zero)."""
    text = str(text).strip().lower().removesuffix("ib").removesuffix("b")
    if text and text[-1] in UNITS:
        size = int(float(text[:-1]) * UNITS[text[-1]])
    else:
        size = int(text)
    if size <= 0:
        raise ValueError(f"a size must be more than zero, not {text!r}")
    return size


_context = None
_context_lock = threading.Lock()


def context():
    """The fork server's context; it imports NumPy and Matplotlib once, for every worker."""
    global _context
    with _context_lock:
        if _context is None:
            os.environ.setdefault("MPLBACKEND", "Agg")
            if IMPORT_ROOT not in sys.path:  # the fork server imports `execblog` from here
                sys.path.append(IMPORT_ROOT)
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(["numpy", "matplotlib", "matplotlib.pyplot",
                                             "execblog.execution.worker"])
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


LIVE: weakref.WeakSet[Pool] = weakref.WeakSet()  # every pool not yet cancelled


def cancel_running(reason: str) -> int:
    """Stop every running worker of every pool (from another thread: the preview, when a
    newer save comes while blocks run); their blocks fail with ``reason``. Returns how many
    pools were running blocks."""
    stopped = 0
    for pool in list(LIVE):
        with pool.lock:
            running = bool(pool.processes)
        if running:
            pool.reason = f"not run: {reason}"
            pool.cancelled = True
            with pool.lock:
                for process in list(pool.processes):
                    end_worker(process)
                pool.processes.clear()
            stopped += 1
    return stopped


# ---------------------------------------------------------------------------------------
# Ending a worker and everything it started


def process_table() -> dict[int, list[tuple[int, str]]]:
    """Every process's children, as ``(pid, state)``, from ``/proc``."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as file:
                stat = file.read()
        except OSError:
            continue  # ended meanwhile
        state, parent = stat[stat.rindex(")") + 2:].split(maxsplit=2)[:2]
        children.setdefault(int(parent), []).append((int(entry.name), state))
    return children


def descendants(pid: int) -> list[tuple[int, str]]:
    table, found, todo = process_table(), [], [pid]
    while todo:
        for child in table.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def send(kill, target: int, signal_number: int) -> None:
    try:
        kill(target, signal_number)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def end_worker(process) -> None:
    """Kill the worker, its process group and its descendants (those that left the group
    too: the worker adopts orphans, so they stay its descendants).

    Called before the worker is joined; once it has exited (the fork server reaps it at
    once) its number may be reused, so only its process group is signalled then (a group
    keeps its number while any member lives)."""
    pid = process.pid
    if pid is None:
        return
    if process.exitcode is None:
        send(os.kill, pid, signal.SIGSTOP)  # it starts nothing more while we look
        if os.path.isdir("/proc/self"):
            killed: set[int] = set()
            while True:  # until a look finds nothing new: the killed cannot fork
                alive = {child for child, state in descendants(pid) if state != "Z"}
                if not alive - killed:
                    break
                for child in alive - killed:
                    send(os.kill, child, signal.SIGKILL)
                killed |= alive
    send(os.killpg, pid, signal.SIGKILL)
    if process.exitcode is None:
        send(os.kill, pid, signal.SIGKILL)


def log_tail(path: Path) -> str:
    """The end of what the worker and its processes wrote to their standard output and
    error; of a crash's Python traceback (faulthandler's), the lines outside the machinery."""
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - LOG_TAIL))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    machinery = (ENGINE + os.sep, f"{os.sep}multiprocessing{os.sep}", '"<string>"')
    lines = [line for line in text.splitlines()
             if not line.startswith("Extension modules:")
             and not (line.lstrip().startswith("File ") and any(m in line for m in machinery))]
    return "\n".join(lines).strip()


def cancel_pools() -> None:
    """Cancel every pool: when the interpreter exits (a Ctrl-C of the build), before it
    waits for the pools' threads, so that it does not wait for their pages (the workers
    lead their own process groups: a Ctrl-C does not reach them)."""
    for pool in list(LIVE):
        pool.cancel()


compat.register_before_thread_join(cancel_pools)  # before concurrent.futures joins threads


class Pool:
    """Worker threads, each running one page at a time in a fresh worker process."""

    def __init__(self, jobs: int | None = None, root: Path | None = None,
                 memory: int | None = None, cwd: Path | None = None,
                 max_output: int | None = None) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.root = str(root or Path.cwd())
        self.cwd = str(cwd) if cwd else None  # None: a fresh scratch directory per page
        self.memory = memory or DEFAULT_MEMORY
        self.max_output = max_output or DEFAULT_MAX_OUTPUT
        self.executor = ThreadPoolExecutor(self.jobs, thread_name_prefix="exec-worker")
        self.processes: set = set()
        self.lock = threading.Lock()
        self.cancelled = False
        self.reason = "not run: the build stopped"
        LIVE.add(self)

    def submit(self, blocks: list[Block], salt: str) -> Future:
        return self.executor.submit(self.run, blocks, salt)

    def run(self, blocks: list[Block], salt: str) -> Run:
        """Run ``blocks`` in order in a fresh worker; a fault ends the run at its block."""
        if self.cancelled:
            return Run([fault(self.reason) for _ in blocks])
        scratch = Path(tempfile.mkdtemp(prefix="blog-exec-"))
        try:
            return self.run_in(blocks, salt, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def run_in(self, blocks: list[Block], salt: str, scratch: Path) -> Run:
        ctx = context()
        parent, child = ctx.Pipe()
        from execblog.execution import worker

        cwd = self.cwd or str(scratch / "work")
        os.makedirs(cwd, exist_ok=True)
        log = scratch / "output.log"
        process = ctx.Process(target=worker.serve, name="exec-worker",
                              args=(child, self.root, cwd, self.memory, self.max_output,
                                    str(log)))
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
                    run.results.append(fault(f"ran past its timeout of "
                                             f"{block.timeout:g} s; its worker was "
                                             "stopped"))
                    break
                result = self.receive(parent)
                if result is None:
                    self.end(process)  # before joining: see end_worker
                    process.join(5)
                    reason = (self.reason if self.cancelled
                              else describe_exit(process.exitcode, memory))
                    run.results.append(fault(reason))
                    break
                run.code.update(map(tuple, result.pop("code")))
                run.data.update(result.pop("data"))
                run.results.append(result)
            else:
                parent.send(None)  # the worker releases what it holds (semaphores)
                if parent.poll(FINISH_TIMEOUT):
                    self.receive(parent)
        except (OSError, RuntimeError) as error:
            run.results.append(fault(f"could not run in a worker process: {error}"))
        finally:
            self.end(process)
            process.join(5)
            parent.close()
        if run.failed and not self.cancelled:
            tail = log_tail(log)
            failed = next(result for result in run.results if result.get("error"))
            if tail:
                failed["error"] = (failed["error"].rstrip("\n") + "\nThe worker process "
                                   "(or a process it started) wrote, outside the block's "
                                   f"output:\n{tail}")
        # Blocks after a fault did not run; the page fails at the fault.
        while len(run.results) < len(blocks):
            run.results.append({**fault("not run: an earlier block stopped the worker"),
                                "skipped": True})
        return run

    def end(self, process) -> None:
        """End the worker and what it started, once (cancel() may be doing it too)."""
        with self.lock:
            if process in self.processes:
                self.processes.discard(process)
                end_worker(process)

    @staticmethod
    def receive(connection):
        try:
            return connection.recv()
        except (EOFError, OSError):
            return None

    def cancel(self) -> None:
        """Stop every worker and every page not started (a failed or finished build)."""
        self.cancelled = True
        LIVE.discard(self)
        with self.lock:
            for process in list(self.processes):
                end_worker(process)
            self.processes.clear()
        self.executor.shutdown(wait=True, cancel_futures=True)

