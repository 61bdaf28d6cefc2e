"""What a block prints is captured in linear time and up to a limit; the limit's settings."""

from __future__ import annotations

import contextlib
import sys

import pytest
from execution import display, fence
from execution.pool import default_max_output, default_memory, parse_size


def test_writes_are_kept_as_chunks_and_joined_once() -> None:
    # `text += chunk` on a string held in a dict copies the whole text at every write
    # (quadratic: 4 MB of 100-byte lines took 20 s); chunks in a list are joined once.
    recorder = display.Recorder()
    lines = [f"line {n:05d} " + "x" * 88 + "\n" for n in range(10_000)]
    for line in lines:
        recorder.stream("stdout", line)
    assert isinstance(recorder._chunks, list) and len(recorder._chunks) == len(lines)
    assert recorder._outputs[0]["text"] == ""  # not joined while it grows
    assert recorder.outputs == [{"type": "stream", "name": "stdout", "text": "".join(lines)}]
    assert recorder.size == sum(map(len, lines))


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
            for _ in range(1_000_000):  # would be 100 MB: stops at the limit
                print("x" * 99)
        assert recorder.exceeded
        with pytest.raises(display.OutputLimitExceeded):
            print("after")  # still refused: the block fails
    assert recorder.exceeded
    text = recorder.outputs[0]["text"]
    assert text == ("x" * 99 + "\n") * 10 and recorder.size == 1000


def test_the_output_limit_counts_bytes_and_shown_values() -> None:
    recorder = display.Recorder(max_output=10)
    recorder.stream("stdout", "ééééé")  # 10 bytes in UTF-8
    with pytest.raises(display.OutputLimitExceeded):
        recorder.stream("stdout", "é")
    recorder = display.Recorder(max_output=10)
    with pytest.raises(display.OutputLimitExceeded):
        recorder.display("a long value")  # repr: 14 characters
    assert recorder.outputs == []


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


def test_the_default_limit_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("BLOG_EXEC_MAX_OUTPUT", raising=False)
    assert default_max_output() == 2**20
    monkeypatch.setenv("BLOG_EXEC_MAX_OUTPUT", "8M")
    assert default_max_output() == 8 * 2**20
    monkeypatch.setenv("BLOG_EXEC_MAX_OUTPUT", "lots")
    with pytest.raises(ValueError, match=r"BLOG_EXEC_MAX_OUTPUT='lots' is not a size"):
        default_max_output()
    monkeypatch.setenv("BLOG_EXEC_MEMORY", "0")
    with pytest.raises(ValueError, match="BLOG_EXEC_MEMORY='0'"):
        default_memory()


def test_max_output_is_a_block_option() -> None:
    assert fence.block("print(1)", {"exec": "on", "max_output": "4M"}).max_output == 4 * 2**20
    assert fence.block("print(1)", {"exec": "on"}).max_output is None
    assert fence.problems({"exec": "on", "max_output": "4M"}) == []
    [problem] = fence.problems({"exec": "on", "max_output": "much"})
    assert "max_output='much'" in problem and '"4M"' in problem
