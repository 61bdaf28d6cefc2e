"""Capturing an executed block's output, side by side in one run.

Prints, for 50 MB of 100-byte lines against the same 50 MB in one write:
- the recorder alone, in this process (display.recording): the lines printed with
  ``print`` and written with ``sys.stdout.write``, the one write, and the same prints into a
  plain ``io.StringIO`` (what any capture of that many ``print`` calls costs at least);
- through a worker, as the build runs a block (``Pool.run``: start, run, the result sent
  back), with ``max_output`` raised to 64 MB;
- the former capture (``text += chunk`` on the output's dict entry) at a few small sizes,
  to show it grow with the square of the size; the new recorder beside it.

Target (issue 23): the lines within 2x of the one write.

Usage: python benchmarks/bench_output_capture.py [--megabytes 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("MPLBACKEND", "Agg")

from execblog.execution import display  # noqa: E402
from execblog.execution.cache import Block  # noqa: E402
from execblog.execution.pool import Pool  # noqa: E402

LINE = "x" * 99 + "\n"  # 100 bytes


def best(function, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def in_process(lines: int, rounds: int) -> dict[str, float]:
    line, text = LINE[:-1], LINE * lines

    def printed() -> None:
        with display.recording("", None) as recorder:
            for _ in range(lines):
                print(line)
        assert len(recorder.outputs[0]["text"]) == len(text)

    def written() -> None:
        with display.recording("", None) as recorder:
            write = sys.stdout.write
            for _ in range(lines):
                write(LINE)
        assert len(recorder.outputs[0]["text"]) == len(text)

    def one_write() -> None:
        with display.recording("", None) as recorder:
            sys.stdout.write(text)
        assert len(recorder.outputs[0]["text"]) == len(text)

    def plain() -> None:
        buffer = io.StringIO()
        for _ in range(lines):
            print(line, file=buffer)

    return {name: best(function, rounds) for name, function in
            (("print per line", printed), ("write per line", written),
             ("one write", one_write), ("print per line, plain StringIO", plain))}


def through_worker(lines: int, rounds: int) -> dict[str, float]:
    limit = 64 * 2**20
    blocks = {"print per line": f"for _ in range({lines}):\n    print({LINE[:-1]!r})\n",
              "one write": f"import sys\nsys.stdout.write({LINE!r} * {lines})\n"}
    pool = Pool(jobs=1, root=ROOT, max_output=limit)
    found = {}
    try:
        for name, code in blocks.items():
            def run(code=code) -> None:
                [result] = pool.run([Block(code, timeout=600)], "bench").results
                assert result["error"] is None, result["error"]
                assert sum(len(o["text"]) for o in result["outputs"]) == lines * len(LINE)

            found[name] = best(run, rounds)
    finally:
        pool.cancel()
    return found


class FormerRecorder:
    """The capture before issue 23: each write appended to the output's string."""

    def __init__(self) -> None:
        self.outputs: list[dict] = []

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last and last["type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"type": "stream", "name": name, "text": text})


def growth(megabytes: list[float]) -> list[tuple[float, float, float]]:
    rows = []
    for size in megabytes:
        lines = int(size * 2**20) // len(LINE)
        start = time.perf_counter()
        former = FormerRecorder()
        for _ in range(lines):
            former.stream("stdout", LINE)
        former_seconds = time.perf_counter() - start
        start = time.perf_counter()
        recorder = display.Recorder()
        write = recorder.stdout.write  # what print() calls while a block runs
        for _ in range(lines):
            write(LINE)
        assert recorder.outputs[0]["text"] == former.outputs[0]["text"]
        rows.append((size, former_seconds, time.perf_counter() - start))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--former", default="0.5,1,2",
                        help="sizes (MB) for the former capture; it takes ~5 s at 2 MB")
    args = parser.parse_args()
    lines = int(args.megabytes * 2**20) // len(LINE)
    print(f"{args.megabytes:g} MB as {lines} lines of {len(LINE)} bytes against one write "
          f"(best of {args.rounds})")

    print("\nThe recorder, in this process")
    found = in_process(lines, args.rounds)
    for name, seconds in found.items():
        print(f"  {name:32s} {seconds:8.3f} s   {seconds / found['one write']:8.1f}x one write")
    print(f"  recorder's print per line over a plain StringIO's: "
          f"{found['print per line'] / found['print per line, plain StringIO']:.2f}x")

    print("\nThrough a worker (Pool.run: start, run, result sent back)")
    found = through_worker(lines, args.rounds)
    for name, seconds in found.items():
        print(f"  {name:32s} {seconds:8.3f} s   {seconds / found['one write']:8.2f}x one write")
    ratio = found["print per line"] / found["one write"]
    print(f"  ratio, lines / one write: {ratio:.2f} (target <= 2: "
          f"{'met' if ratio <= 2 else 'not met'})")

    print("\nThe former capture (text += chunk) against the recorder, write per line")
    print(f"  {'MB':>6s} {'former':>10s} {'recorder':>10s}")
    for size, former, recorder in growth([float(x) for x in args.former.split(",") if x]):
        print(f"  {size:6g} {former:9.3f}s {recorder:9.3f}s")


if __name__ == "__main__":
    main()
