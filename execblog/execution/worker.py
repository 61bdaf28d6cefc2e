"""The worker: a fresh process that runs one page's blocks, in order, and reports each.

It starts from a fork server that has imported NumPy and Matplotlib (pool.py), so nothing a
page does (imports of project code, monkeypatching, ``np.random``, the working directory,
``sys.path``) reaches another page. Blocks of a session share a namespace; a block without
one gets its own. Each block starts with the legacy global NumPy generator seeded (code
that still uses it gets the same numbers every build) and no figure open; the figures it
leaves open are its output, as SVG. The address space is limited (``RLIMIT_AS``), so an
allocation past the limit raises ``MemoryError`` in the block instead of taking the
machine. What a block prints and shows is limited too (display.py): past ``max_output``
bytes the block fails instead of making a page no reader can use.

The worker leads its own process group and is a child subreaper, so every process a block
starts (even one that leaves the group, as a daemon does) stays where the parent can end it
(pool.py ends them all when the page is done). Its own standard output and error (what
those processes print, and a crash's Python traceback) go to a log file the parent reads,
never to the build's: a process left behind cannot hold ``make build | cat`` open.

Blocks run in a scratch working directory (the parent's), and an audit hook refuses every
write into the repository (an ``open`` for writing, a ``remove``, ``rename``, ``mkdir``...),
compiled bytecode excepted: the block fails, naming the path. Code run by other processes
a block starts is not watched.
"""

from __future__ import annotations

import ctypes
import errno
import faulthandler
import io
import os
import resource
import sys
import tempfile
import time
import traceback

from execblog.execution import deps, display
from execblog.execution.cache import Block


def figure_svgs(salt: str, default_alt: str | None) -> list[dict]:
    import matplotlib.pyplot as plt

    figures = []
    for index, number in enumerate(plt.get_fignums()):
        figure = plt.figure(number)
        alt = figure.get_label() or default_alt
        buffer = io.StringIO()
        with plt.rc_context({"svg.hashsalt": f"{salt}-{index}", "svg.fonttype": "path"}):
            figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(figure)
        svg = buffer.getvalue()
        figures.append({"svg": svg[svg.index("<svg"):], "alt": alt})
    return figures


def limit_memory(limit: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# ---------------------------------------------------------------------------------------
# Writes into the repository

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Audit events that change the file system: the positions of their path arguments, and of
# the directory descriptor relative paths are opened from (None: the working directory).
MUTATIONS = {
    "os.remove": ((0,), 1), "os.rmdir": ((0,), 1), "os.mkdir": ((0,), 2),
    "os.rename": ((0, 1), 2), "os.link": ((1,), 3), "os.symlink": ((1,), 2),
    "os.truncate": ((0,), None), "os.chmod": ((0,), 2), "os.chown": ((0,), 3),
    "os.utime": ((0,), 3), "os.mkfifo": ((0,), 2), "os.mknod": ((0,), 3),
    "os.setxattr": ((0,), None), "os.removexattr": ((0,), None),
    "shutil.rmtree": ((0,), 1), "shutil.copyfile": ((1,), None),
    "shutil.copytree": ((1,), None), "shutil.move": ((0, 1), None),
    "sqlite3.connect": ((0,), None),
}


class RepositoryWrite(PermissionError):
    """A block's write into the repository, refused."""


class WriteGuard:
    """An audit hook that refuses writes under ``root`` (the repository) but for compiled
    bytecode (``__pycache__``, ``sys.pycache_prefix``) and the ``allowed`` directories, and
    remembers each refusal (a block that catches the error still fails)."""

    def __init__(self, root: str, allowed: list[str]) -> None:
        self.root = os.path.realpath(root)
        prefixes = [*allowed, sys.pycache_prefix, tempfile.gettempdir()]
        # A temporary directory that holds the repository would allow all of it.
        self.allowed = [real for real in map(os.path.realpath, filter(None, prefixes))
                        if not self.root.startswith(real + os.sep) and real != self.root]
        self.refused: list[str] = []  # paths relative to the root, since the last take()

    def install(self) -> None:
        sys.addaudithook(self.hook)  # for the process's life: it is thrown away after a page

    def take(self) -> list[str]:
        refused, self.refused = self.refused, []
        return refused

    def hook(self, event: str, args: tuple) -> None:
        if event == "open":
            path, _, flags = args
            if flags & WRITE_FLAGS and isinstance(path, (str, bytes, os.PathLike)):
                self.check(path, None, follow=True)
            return
        found = MUTATIONS.get(event)
        if found is None:
            return
        positions, dir_fd_at = found
        dir_fd = args[dir_fd_at] if dir_fd_at is not None and dir_fd_at < len(args) else None
        for position in positions:
            path = args[position]
            if isinstance(path, (str, bytes, os.PathLike)):
                self.check(path, dir_fd if isinstance(dir_fd, int) and dir_fd >= 0 else None,
                           follow=False)

    def check(self, path, dir_fd: int | None, follow: bool) -> None:
        path = os.fsdecode(path)
        if path == ":memory:" or not path:
            return
        if not os.path.isabs(path):
            base = os.readlink(f"/proc/self/fd/{dir_fd}") if dir_fd is not None else os.getcwd()
            path = os.path.join(base, path)
        if follow:
            real = os.path.realpath(path)
        else:  # the entry itself (a link removed or renamed is not its target)
            head, tail = os.path.split(os.path.normpath(path))
            real = os.path.join(os.path.realpath(head), tail)
        if not real.startswith(self.root + os.sep) and real != self.root:
            return
        if "__pycache__" in real.split(os.sep) or any(
                real.startswith(allowed + os.sep) or real == allowed for allowed in self.allowed):
            return
        relative = os.path.relpath(real, self.root)
        self.refused.append(relative)
        raise RepositoryWrite(errno.EACCES, "executed blocks may not write into the "
                              f"repository (tried {relative!r}); write to the working "
                              "directory (a scratch folder) or to tempfile instead", path)


# ---------------------------------------------------------------------------------------
# Running blocks


MACHINERY = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # hooks/


def block_traceback(error: BaseException) -> str:
    """The traceback of an error raised in a block, without the build's own frames (the
    worker's call of the block, the tracer's ``open``)."""
    formatted = traceback.TracebackException.from_exception(error)
    seen, todo = set(), [formatted]
    while todo:
        part = todo.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        part.stack = traceback.StackSummary.from_list(
            [frame for frame in part.stack if not frame.filename.startswith(MACHINERY)])
        todo += [chained for chained in (part.__cause__, part.__context__) if chained]
    return "".join(formatted.format())


def block_line(error: BaseException, filename: str) -> int | None:
    """The line of the block (``filename``) where ``error`` was raised, if in the block."""
    line, trace = None, error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def at_line(error: BaseException | None, filename: str) -> str:
    line = block_line(error, filename) if error is not None else None
    return f" (line {line} of the block)" if line else ""


def not_found_hint(error: BaseException, root: str) -> str:
    """A hint for a relative path that exists in the repository but not in the scratch
    working directory the block ran in."""
    name = getattr(error, "filename", None)
    if not isinstance(error, FileNotFoundError) or not isinstance(name, (str, os.PathLike)):
        return ""
    name = os.fspath(name)
    if os.path.isabs(name) or not os.path.exists(os.path.join(root, name)):
        return ""
    return (f"\n(Blocks run in a scratch working directory, not the repository: open "
            f"{name!r} by a path from a module's __file__, such as "
            f"Path(__file__).parent / ..., in the snippet that reads it.)")


def run_block(block: Block, namespace: dict, salt: str, memory: int, max_output: int,
              guard: WriteGuard | None = None, root: str = "") -> dict:
    import matplotlib.pyplot as plt
    import numpy as np

    plt.close("all")
    np.random.seed(0)  # noqa: NPY002
    start = time.perf_counter()
    filename = f"<executed block {salt}>"
    raised = None
    with display.recording(block.code, max_output) as recorder:
        try:
            display.run_code(block.code, namespace, filename, block.show_result)
        except BaseException as exc:  # noqa: BLE001 - reported, with traceback, as a build error
            raised = exc
    refused = guard.take() if guard else []
    if recorder.exceeded:
        error = (f"printed more than {display.format_size(max_output)} of output"
                 f"{at_line(raised, filename)}, more than a reader can use; print less, or "
                 "raise the limit with the block's max_output option (such as "
                 "max_output=\"4M\") or execblog-execution's max_output in mkdocs.yml")
    elif refused:
        error = (f"tried to write {refused[0]!r} inside the repository"
                 f"{at_line(raised if isinstance(raised, RepositoryWrite) else None, filename)}"
                 "; blocks run in a scratch working directory: write there (a relative "
                 "path) or to tempfile, never into the repository")
    elif isinstance(raised, MemoryError):
        error = (f"ran out of memory: it asked for more than the worker's limit of "
                 f"{memory / 2**30:g} GiB of address space (raise it with the block's "
                 "memory option or execblog-execution's memory in mkdocs.yml)\n"
                 + block_traceback(raised))
    elif raised is not None:
        error = block_traceback(raised) + not_found_hint(raised, root)
    else:
        error = None
    figures = [] if error else figure_svgs(salt, block.alt)
    seconds = time.perf_counter() - start
    plt.close("all")
    return {"outputs": recorder.outputs, "figures": figures, "seconds": seconds,
            "error": error}


# ---------------------------------------------------------------------------------------
# The process


def contain_processes() -> None:
    """Lead a process group of our own, and adopt the orphans of the processes we start
    (``PR_SET_CHILD_SUBREAPER``), so that the parent can find and end every one of them."""
    os.setpgrp()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):  # not Linux: the process group still holds most
        pass


def redirect_output(log: str) -> None:
    """Send file descriptors 1 and 2 (ours, and those of every process we start) to
    ``log`` instead of the build's standard output and error."""
    sys.stdout.flush()
    sys.stderr.flush()
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)
    faulthandler.enable()  # a crash's Python traceback, into the log


def serve(connection, root: str, cwd: str, memory: int, max_output: int,
          log: str | None = None) -> None:
    """The worker's main loop: ``(Block, salt)`` in, a result dict out, until ``None``."""
    contain_processes()
    if log:
        redirect_output(log)
    os.chdir(cwd)
    if root not in sys.path:
        sys.path.insert(0, root)
    import matplotlib

    matplotlib.use("Agg")
    tracer = deps.Tracer(root)
    tracer.start()
    guard = WriteGuard(root, allowed=[cwd])
    guard.install()
    namespaces: dict[str, dict] = {}
    connection.send("ready")
    while (message := connection.recv()) is not None:
        block, salt = message
        limit = block.memory or memory
        limit_memory(limit)
        if block.session:
            namespace = namespaces.setdefault(block.session, {"__name__": "__main__"})
        else:
            namespace = {"__name__": "__main__"}
        result = run_block(block, namespace, salt, limit, block.max_output or max_output,
                           guard, root)
        result["code"], result["data"] = tracer.take()
        connection.send(result)
    # The page is done: release what outlives a killed process (named semaphores, which
    # the resource tracker would report as leaked), then wait to be killed with the rest.
    from execblog import compat

    compat.run_multiprocessing_finalizers()
    connection.send("done")
    connection.recv()
