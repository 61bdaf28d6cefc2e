"""What a block prints is captured in linear time and up to a limit; the limit's settings."""

from __future__ import annotations

import contextlib
import sys

import pytest

from execblog.execution import display, fence
from execblog.execution.pool import parse_size


def test_printing_runs_no_python_code_per_line() -> None:
    # `text += chunk` on a string held in a dict copied the whole text at every write
    # (quadratic: 4 MB of 100-byte lines took 20 s), and every write ran Python code, which
    # the worker's tracer also sees. Standard output is now a StringIO (C, linear).
    lines = [f"line {n:05d} " + "x" * 88 for n in range(10_000)]
    calls = []

    def trace(frame, event, arg):
        calls.append(frame.f_code.co_name)

    with display.recording("", 2**20) as recorder:
        sys.settrace(trace)
        try:
            for line in lines:
                print(line)
        finally:
            sys.settrace(None)
    assert calls == []
    assert recorder.outputs == [{"type": "stream", "name": "stdout",
                                 "text": "".join(line + "\n" for line in lines)}]
    assert recorder.size == 10_000 * 100


def test_streams_keep_their_order_and_each_run_of_writes_is_one_output() -> None:
    with display.recording("", None) as recorder:
        print("a")
        print("b")
        print("oops", file=sys.stderr)
        print("", end="")  # nothing: no output
        print("c")
    assert [(o["name"], o["text"]) for o in recorder.outputs] == [
        ("stdout", "a\nb\n"), ("stderr", "oops\n"), ("stdout", "c\n")]


def test_output_past_the_limit_stops_capture_and_raises_even_if_caught() -> None:
    with display.recording("", 1000) as recorder:
        with contextlib.suppress(BaseException):
            for _ in range(100_000_000):  # would be 10 GB: stops soon after the limit
                print("x" * 99)
        assert recorder.exceeded
        with pytest.raises(display.OutputLimitExceeded):
            print("after")  # still refused: the block fails
    assert recorder.exceeded
    assert recorder.outputs[0]["text"] == ("x" * 99 + "\n") * 10  # nothing past the limit


def test_output_past_the_limit_is_found_at_the_end_too() -> None:
    # A block that printed past the limit faster than the watcher looked still fails.
    with display.recording("", 1000) as recorder:
        print("x" * 5000)
    assert recorder.exceeded


def test_the_output_limit_counts_bytes_and_every_kind_of_output() -> None:
    with display.recording("", 10) as recorder:
        print("éééééé", end="")  # 12 bytes in UTF-8, 6 characters
    assert recorder.exceeded
    with display.recording("", 10) as recorder, pytest.raises(display.OutputLimitExceeded):
        display.display("a long value")  # repr: 14 characters
    with display.recording("", 10) as recorder, pytest.raises(display.OutputLimitExceeded):
        print("12345")
        print("123456", file=sys.stderr)
    assert [output["text"] for output in recorder.outputs] == ["12345\n"]


def test_stdout_and_stderr_refuse_what_is_not_text() -> None:
    with display.recording("", None):
        with pytest.raises(TypeError):
            sys.stdout.write(b"bytes")
        with pytest.raises(TypeError):
            sys.stderr.write(b"bytes")


def test_the_limit_is_not_an_exception_a_block_catches() -> None:
    assert not issubclass(display.OutputLimitExceeded, Exception)


def test_sizes_read_as_people_write_them() -> None:
    assert display.format_size(2**20) == "1 MiB"
    assert display.format_size(1536) == "1.5 KiB"
    assert display.format_size(12) == "12 bytes"
    assert parse_size("4M") == 4 * 2**20 and parse_size("64MB") == 64 * 2**20
    for wrong in ("0", "-1M", "lots"):
        with pytest.raises(ValueError):
            parse_size(wrong)


def test_max_output_is_a_block_option() -> None:
    assert fence.block("print(1)", {"exec": "on", "max_output": "4M"}).max_output == 4 * 2**20
    assert fence.block("print(1)", {"exec": "on"}).max_output is None
    assert fence.problems({"exec": "on", "max_output": "4M"}) == []
    [problem] = fence.problems({"exec": "on", "max_output": "much"})
    assert "max_output='much'" in problem and '"4M"' in problem
