"""What an executed block shows, as Jupyter shows it: streams, warnings and rich values.

While a block runs, a ``Recorder`` keeps its outputs in the order they happened, each a
small JSON-able dict (they go into the execution cache as they are):

- ``{"type": "stream", "name": "stdout" | "stderr", "text": ...}``: what it printed;
- ``{"type": "warning", "category": "RuntimeWarning", "text": ...}``: each warning raised;
- ``{"type": "display", "mime": ..., "data": ..., "alt": ...}``: a value shown, by
  ``display(obj)`` (Jupyter's builtin; ``IPython.display.display`` too) or, with
  ``result="show"``, the value of the block's last bare expression (not when it ends
  with ``;``, as in Jupyter).

A value is shown in its richest form, in Jupyter's order: ``_repr_mimebundle_``, then
``_repr_html_`` (a pandas DataFrame is a table), ``_repr_markdown_``, ``_repr_svg_``,
``_repr_png_``, ``_repr_jpeg_``, and ``repr()`` as text. A matplotlib figure is not shown
as a value: it is drawn with the block's other figures.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import html
import io
import re
import sys
import threading
import warnings

import markdown as markdown_lib

MIME_ORDER = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg",
              "text/plain")
REPR_METHODS = {"text/html": "_repr_html_", "text/markdown": "_repr_markdown_",
                "image/svg+xml": "_repr_svg_", "image/png": "_repr_png_",
                "image/jpeg": "_repr_jpeg_"}
IMAGES = ("image/svg+xml", "image/png", "image/jpeg")
# The default repr of an object (``<module.Class object at 0x...>``) says nothing to a
# reader who cannot see the image: it is not alt text.
DEFAULT_REPR = re.compile(r"^<.*(object|at 0x[0-9a-f]+).*>$", re.S)
# HTML output may not load anything from another origin (the site reads offline).
FOREIGN_LOAD = re.compile(
    r"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*\bhref\s*=\s*["']?|@import\s+(?:url\()?["']?)"""
    r"""(?:https?:)?//""", re.I)


# ---------------------------------------------------------------------------------------
# Recording


class OutputLimitExceeded(BaseException):
    """Raised by a write past the block's output limit. A ``BaseException``, as
    ``KeyboardInterrupt`` is, so that a block's ``except Exception`` does not swallow it
    (the recorder remembers it anyway: the block fails)."""


class StdoutBuffer(io.StringIO):
    """``sys.stdout`` while a block runs. Its writes are ``io.StringIO``'s own, in C: a
    ``print`` runs no Python code (the worker traces every Python call) and the text
    accumulates in linear time. The recorder cuts it into outputs whenever something else
    is recorded (stderr, a warning, a shown value), so the order is kept."""


class Stream(io.TextIOBase):
    """A file-like object whose writes become stream outputs of the recorder (stderr)."""

    def __init__(self, recorder: Recorder, name: str) -> None:
        self.recorder, self.name = recorder, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.recorder.stream(self.name, text)
        return len(text)


def byte_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class Recorder:
    """A block's outputs, in order, up to ``max_output`` bytes (printed text, warnings and
    shown values together; no limit: ``None``).

    Standard output goes to a ``StdoutBuffer``; past the limit, a watcher thread (started by
    ``recording``) swaps its ``write`` for one that raises and drops the text past the
    limit, so a block printing without end stops within a fraction of a second, at the
    line that printed, and nothing much past the limit is kept. Everything else is checked
    as it is recorded, and the whole at the end, in bytes."""

    def __init__(self, max_output: int | None = None) -> None:
        self._outputs: list[dict] = []
        self.stdout = StdoutBuffer()
        self._chunks: list[str] | None = None  # the last stderr output's text, while it grows
        self._stream: str | None = None  # that output's stream
        self.max_output = max_output
        self.kept = 0  # bytes in the outputs recorded so far (not counting the buffer)
        self.exceeded = False

    @property
    def size(self) -> int:
        """Bytes recorded so far (the buffered standard output counted in characters)."""
        return self.kept + self.stdout.tell()

    @property
    def outputs(self) -> list[dict]:
        self._cut()
        self._close_stream()
        return self._outputs

    def _close_stream(self) -> None:
        if self._chunks is not None:
            self._outputs[-1]["text"] = "".join(self._chunks)
            self._chunks = self._stream = None

    def _cut(self) -> None:
        """Record the standard output buffered so far as an output."""
        buffer = self.stdout
        if not buffer.tell():
            return
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        self._close_stream()
        self.kept += byte_size(text)
        if self.max_output is not None and self.kept > self.max_output:
            self.exceeded = True
        last = self._outputs[-1] if self._outputs else None
        if last and last["type"] == "stream" and last["name"] == "stdout":
            last["text"] += text  # rare: cut twice with nothing between
        else:
            self._outputs.append({"type": "stream", "name": "stdout", "text": text})

    def _count(self, text: str) -> None:
        """Count ``text`` in, or raise if it would go past the limit."""
        self._cut()
        size = byte_size(text)
        if self.max_output is not None and (self.exceeded or
                                            self.kept + size > self.max_output):
            self.exceeded = True
            raise OutputLimitExceeded(f"more than {format_size(self.max_output)} of output")
        self.kept += size

    def refuse_more(self) -> None:
        """Past the limit: drop the standard output past it and refuse further writes."""
        self.exceeded = True
        self.stdout.write = self._refuse  # found before StringIO's method
        self.stdout.truncate(max(0, self.max_output - self.kept))

    def _refuse(self, text: str) -> int:
        raise OutputLimitExceeded(f"more than {format_size(self.max_output)} of output")

    def over_limit(self) -> bool:
        return self.max_output is not None and self.size > self.max_output

    def stream(self, name: str, text: str) -> None:
        if not isinstance(text, str):  # as sys.stderr says
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not text:
            return
        self._count(text)
        if self._stream == name:
            self._chunks.append(text)
            return
        self._close_stream()
        self._outputs.append({"type": "stream", "name": name, "text": ""})
        self._chunks, self._stream = [text], name

    def warning(self, message, category, filename, lineno, file=None, line=None) -> None:
        text = str(message)
        self._count(text)
        self._close_stream()
        self._outputs.append({"type": "warning", "category": category.__name__,
                              "text": text})

    def display(self, value: object) -> None:
        if value is None or is_figure(value):
            return
        mime, data = best_representation(value)
        alt = None
        if mime in IMAGES:
            text = plain_text(value)
            alt = None if DEFAULT_REPR.match(text) else text
        self._count(data)
        self._close_stream()
        self._outputs.append({"type": "display", "mime": mime, "data": data, "alt": alt})


def format_size(size: int) -> str:
    """``1048576`` as ``"1 MiB"``, ``1536`` as ``"1.5 KiB"``."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


WATCH_INTERVAL = 0.02  # seconds between looks at the size of a block's standard output


def watch(recorder: Recorder, stop: threading.Event) -> None:
    while not stop.wait(WATCH_INTERVAL):
        if recorder.over_limit():
            recorder.refuse_more()
            return


_active: list[Recorder] = []


def display(*values: object, **_ignored: object) -> None:
    """Jupyter's ``display``: show each value in the output of the running block."""
    if not _active:  # called outside a build (the downloaded script): print, as IPython does
        print(*values)
        return
    for value in values:
        _active[-1].display(value)


@contextlib.contextmanager
def recording(code: str, max_output: int | None = None):
    """Capture stdout, stderr, warnings and ``display`` calls while a block runs, up to
    ``max_output`` bytes (no limit: ``None``)."""
    recorder = Recorder(max_output)
    _active.append(recorder)
    patched = patch_ipython_display() if "display" in code else []
    stop = threading.Event()
    watcher = None
    if max_output is not None:
        watcher = threading.Thread(target=watch, args=(recorder, stop), daemon=True,
                                   name="output-limit")
        watcher.start()
    try:
        with (contextlib.redirect_stdout(recorder.stdout),
              contextlib.redirect_stderr(Stream(recorder, "stderr")),
              warnings.catch_warnings()):
            warnings.simplefilter("default")  # each distinct warning once, as in Jupyter
            warnings.showwarning = recorder.warning
            yield recorder
    finally:
        stop.set()
        if watcher is not None:
            watcher.join()
        recorder._cut()  # the last of the standard output, counted in bytes
        for module, original in patched:
            module.display = original
        _active.pop()


def patch_ipython_display() -> list:
    """Make ``IPython.display.display`` record into the block, if IPython is installed."""
    try:
        import IPython.core.display_functions as functions
        import IPython.display as public
    except ImportError:
        return []
    patched = [(module, module.display) for module in (functions, public)]
    for module, _ in patched:
        module.display = display
    return patched


# ---------------------------------------------------------------------------------------
# Running code and showing its last expression


def split_last_expression(code: str) -> tuple[ast.Module, ast.Expression | None]:
    """The block's statements, and its last bare expression to evaluate and show (``None``
    when the block ends otherwise, or with ``;`` as Jupyter's way of hiding the value)."""
    tree = ast.parse(code)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return tree, None
    if code.rstrip().endswith(";"):
        return tree, None
    last = tree.body.pop()
    return tree, ast.Expression(last.value)


def run_code(code: str, namespace: dict, filename: str, show_result: bool) -> None:
    """Execute ``code`` in ``namespace``; with ``show_result``, display its last value."""
    namespace.setdefault("display", display)  # a builtin in Jupyter
    if not show_result:
        exec(compile(code, filename, "exec"), namespace)
        return
    body, last = split_last_expression(code)
    exec(compile(body, filename, "exec"), namespace)
    if last is not None:
        display(eval(compile(last, filename, "eval"), namespace))


# ---------------------------------------------------------------------------------------
# Representations


def is_figure(value: object) -> bool:
    figure_module = sys.modules.get("matplotlib.figure")
    return figure_module is not None and isinstance(value, figure_module.Figure)


def plain_text(value: object) -> str:
    try:
        return repr(value)
    except Exception as error:  # noqa: BLE001 - a broken repr is shown, not fatal
        return f"<repr failed: {error!r}>"


def best_representation(value: object) -> tuple[str, str]:
    """The richest (mime type, data) the value offers, as Jupyter chooses; images as base64
    (SVG as text)."""
    bundle: dict = {}
    method = getattr(value, "_repr_mimebundle_", None)
    if callable(method) and not isinstance(value, type):
        result = method(include=None, exclude=None)
        bundle = dict(result[0] if isinstance(result, tuple) else result or {})
    for mime in MIME_ORDER:
        data = bundle.get(mime)
        if data is None and mime in REPR_METHODS and not isinstance(value, type):
            method = getattr(value, REPR_METHODS[mime], None)
            data = method() if callable(method) else None
            if isinstance(data, tuple):  # (data, metadata)
                data = data[0]
        if data is None:
            continue
        if mime in ("image/png", "image/jpeg") and isinstance(data, bytes):
            data = base64.b64encode(data).decode("ascii")
        elif isinstance(data, bytes):
            data = data.decode("utf-8")
        return mime, str(data)
    return "text/plain", plain_text(value)


def problems(outputs: list[dict], alt: str | None) -> list[str]:
    """What the build refuses in a block's outputs: images without alt text, HTML that
    loads from another origin."""
    found = []
    for number, output in enumerate(outputs, 1):
        if output["type"] != "display":
            continue
        if output["mime"] in IMAGES and not (output["alt"] or alt):
            found.append(f"image output {number} ({output['mime']}) has no alt text; give "
                         "the block alt=\"...\" (in a notebook, the cell's metadata \"alt\") "
                         "or the object a repr that describes it")
        if output["mime"] in ("text/html", "image/svg+xml", "text/markdown") and \
                FOREIGN_LOAD.search(output["data"]):
            found.append(f"output {number} ({output['mime']}) loads from another origin; "
                         "the site serves everything itself")
    return found


# ---------------------------------------------------------------------------------------
# HTML


def render_outputs(outputs: list[dict], markdown_output: bool, alt: str | None) -> list[str]:
    """The HTML of a block's outputs, in order."""
    parts = []
    for output in outputs:
        kind = output["type"]
        if kind == "stream" and output["name"] == "stdout":
            if markdown_output:
                parts.append(markdown_block(output["text"]))
            else:
                parts.append(text_block(output["text"], "exec-output"))
        elif kind == "stream":
            parts.append(admonition("note exec-stderr", "stderr", output["text"]))
        elif kind == "warning":
            parts.append(admonition("warning exec-warning", output["category"],
                                    output["text"]))
        elif kind == "display":
            parts.append(render_display(output, alt))
    return parts


def text_block(text: str, classes: str) -> str:
    return f'<div class="{classes}"><pre><code>{html.escape(text)}</code></pre></div>'


def markdown_block(text: str) -> str:
    rendered = markdown_lib.markdown(text, extensions=["tables"])
    return f'<div class="exec-output exec-markdown">{rendered}</div>'


def admonition(classes: str, title: str, text: str) -> str:
    return (f'<div class="admonition {classes}"><p class="admonition-title">'
            f"{html.escape(title)}</p><pre><code>{html.escape(text.rstrip())}</code></pre>"
            "</div>")


def render_display(output: dict, default_alt: str | None) -> str:
    mime, data = output["mime"], output["data"]
    label = html.escape(output["alt"] or default_alt or "", quote=True)
    if mime == "text/html":
        return f'<div class="exec-output exec-html">{data}</div>'
    if mime == "text/markdown":
        return markdown_block(data)
    if mime == "image/svg+xml":
        svg = data[data.index("<svg"):] if "<svg" in data else data
        svg = svg.replace("<svg", f'<svg role="img" aria-label="{label}"', 1)
        return f'<figure class="exec-figure">{svg}</figure>'
    if mime in ("image/png", "image/jpeg"):
        return (f'<figure class="exec-figure"><img src="data:{mime};base64,{data}" '
                f'alt="{label}"></figure>')
    return text_block(data, "exec-output exec-result")
