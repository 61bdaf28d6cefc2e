"""The worker: a fresh process that runs one page's blocks, in order, and reports each.

It starts from a fork server that has imported NumPy and Matplotlib (pool.py), so nothing a
page does (imports of project code, monkeypatching, ``np.random``, the working directory,
``sys.path``) reaches another page. Blocks of a session share a namespace; a block without
one gets its own. Each block starts with the legacy global NumPy generator seeded (code
that still uses it gets the same numbers every build) and no figure open; the figures it
leaves open are its output, as SVG. The address space is limited (``RLIMIT_AS``), so an
allocation past the limit raises ``MemoryError`` in the block instead of taking the
machine. Timeouts and crashes are the parent's business: it kills the process.
"""

from __future__ import annotations

import io
import os
import resource
import sys
import time
import traceback

from execution import deps, display
from execution.cache import Block


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


def run_block(block: Block, namespace: dict, salt: str, memory: int) -> dict:
    import matplotlib.pyplot as plt
    import numpy as np

    plt.close("all")
    np.random.seed(0)  # noqa: NPY002
    start = time.perf_counter()
    error = None
    with display.recording(block.code) as recorder:
        try:
            display.run_code(block.code, namespace, f"<executed block {salt}>",
                             block.show_result)
        except MemoryError as exc:
            error = (f"ran out of memory: it asked for more than the worker's limit of "
                     f"{memory / 2**30:g} GiB of address space (raise it with the block's "
                     "memory option or BLOG_EXEC_MEMORY)\n"
                     + "".join(traceback.format_exception(exc)))
        except BaseException as exc:  # noqa: BLE001 - reported, with traceback, as a build error
            error = "".join(traceback.format_exception(exc))
    figures = [] if error else figure_svgs(salt, block.alt)
    seconds = time.perf_counter() - start
    plt.close("all")
    return {"outputs": recorder.outputs, "figures": figures, "seconds": seconds,
            "error": error}


def serve(connection, root: str, cwd: str, memory: int) -> None:
    """The worker's main loop: ``(Block, salt)`` in, a result dict out, until ``None``."""
    os.chdir(cwd)
    if root not in sys.path:
        sys.path.insert(0, root)
    import matplotlib

    matplotlib.use("Agg")
    tracer = deps.Tracer(root)
    tracer.start()
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
        result = run_block(block, namespace, salt, limit)
        result["code"], result["data"] = tracer.take()
        connection.send(result)
    connection.close()
