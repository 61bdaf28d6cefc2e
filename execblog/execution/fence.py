"""The superfences fence of executed blocks: its options, and the HTML of a block's result.

A fenced block whose header says ``exec="on"`` is executed::

    ```python exec="on" session="descent" show="output"
    --8<-- "gradient_descent/figures.py:contour"
    ```

Options: ``session`` (blocks of a page with the same session share variables), ``show``
(``both``, the default; ``output``; ``code``; ``none``), ``output`` (``text`` or
``markdown``, for tables), ``result`` (``hide``, the default, or ``show``: the value of the
last expression), ``alt`` (alt text of its images), ``title``, ``timeout`` (seconds), ``memory``
(the worker's address-space limit, such as ``"8G"``) and ``max_output`` (how much it may
print and show, such as ``"4M"``: a page of output is what a reader can use); the defaults
of the last three are execblog-execution's options of the same names.
"""

from __future__ import annotations

from execblog.execution import display, figures
from execblog.execution.cache import Block

OPTIONS = {"exec", "session", "show", "output", "timeout", "alt", "title", "result", "memory",
           "max_output"}
VALUES = {"show": ("both", "output", "code", "none"), "result": ("hide", "show"),
          "output": ("text", "markdown")}
DEFAULT_TIMEOUT = 120.0


def is_executed(inputs: dict) -> bool:
    return inputs.get("exec") in ("on", "1", "true")


def problems(inputs: dict) -> list[str]:
    """What is wrong with an executed block's options (nothing: an empty list)."""
    unknown = set(inputs) - OPTIONS
    if unknown:
        return [f"unknown option(s) {sorted(unknown)}; expected {sorted(OPTIONS)}"]
    found = [f"{name}={inputs[name]!r} (expected one of {list(allowed)})"
             for name, allowed in VALUES.items() if name in inputs and inputs[name] not in allowed]
    try:
        float(inputs.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        found.append(f"timeout={inputs['timeout']!r} (expected seconds)")
    from execblog.execution.pool import parse_size

    for name, example in (("memory", "8G"), ("max_output", "4M")):
        if name in inputs:
            try:
                parse_size(inputs[name])
            except ValueError:
                found.append(f"{name}={inputs[name]!r} (expected a size such as "
                             f"\"{example}\")")
    return ["; ".join(found)] if found else []


def block(code: str, options: dict, timeout: float = DEFAULT_TIMEOUT) -> Block:
    from execblog.execution.pool import parse_size

    return Block(code=code, session=options.get("session"),
                 show_result=options.get("result", "hide") == "show", alt=options.get("alt"),
                 timeout=float(options.get("timeout", timeout)),
                 memory=parse_size(options["memory"]) if "memory" in options else None,
                 max_output=(parse_size(options["max_output"]) if "max_output" in options
                             else None))


def highlight(code: str, title: str | None, md) -> str:
    """Highlight like any other fenced block of the site (same extension, same options)."""
    fences = md.preprocessors["fenced_code_block"]
    options = {"title": title} if title else {}
    return fences.highlight(code, "python", options, md, classes=[], id_value="", attrs={})


def render(source: str, options: dict, result: dict, md, files: dict[str, str]) -> str:
    """The block's HTML: its code and/or its outputs and figures, as ``show`` asks. Each
    figure goes into ``files`` (name: SVG), to be written beside the page (figures.py)."""
    show = options.get("show", "both")
    parts = []
    if show in ("both", "code"):
        parts.append(highlight(source, options.get("title"), md))
    if result.get("error") or show in ("code", "none"):
        return "".join(parts)
    parts += display.render_outputs(result["outputs"], options.get("output") == "markdown",
                                    options.get("alt"))
    for figure in result["figures"]:
        svg = figures.minify(figure["svg"])
        name = figures.file_name(len(files) + 1, svg)
        files[name] = svg
        parts.append(figures.image(name, figure["alt"] or "", svg))
    return "\n".join(parts)


def output_problems(result: dict, alt: str | None) -> list[str]:
    """What the build refuses in a result: figures or images without alt text, HTML that
    loads from another origin."""
    found = []
    missing_alt = [i for i, f in enumerate(result["figures"], 1) if not f["alt"]]
    if missing_alt:
        found.append(f"figure(s) {missing_alt} have no alt text; use plt.figure(label=...) "
                     "or alt=\"...\"")
    return found + display.problems(result["outputs"], alt)
