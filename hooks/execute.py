"""Execute marked Python blocks at build time, once, through a dependency-aware cache.

A fenced block whose header says ``exec="on"`` is run when the site is built::

    ```python exec="on" session="descent" show="output"
    --8<-- "gradient_descent/figures.py:contour"
    ```

What it prints goes into the page as text (``output="markdown"`` renders it as Markdown,
for tables), what it writes to stderr and the warnings it raises go in as notes set apart,
values it shows with ``display(...)`` (or, with ``result="show"``, the value of its last
expression) go in as Jupyter shows them (HTML, Markdown, SVG, PNG or text: see display.py),
and every matplotlib figure it leaves open goes in as inline SVG, with the figure's label
(``plt.figure(label=...)``) or the block's ``alt="..."`` as its alt text.
Options: ``session`` (blocks of a page with the same session share variables),
``show`` (``both``, the default; ``output``; ``code``; ``none``), ``result`` (``hide``, the
default, or ``show``), ``timeout`` (seconds, default 120).

Results are cached in ``.cache/exec/`` under a key made of the block's code, the code of the
earlier blocks of its session, the content of every ``nn/`` and ``snippets/`` module the
code imports (found by reading the imports, transitively), whether its last value is shown,
and the Python, NumPy and Matplotlib versions. A warm build runs nothing; editing
``nn/conv.py`` re-runs exactly the blocks that import it. A block that raises or times out
fails the build with the page, the block's number and line, and the traceback.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import html
import io
import json
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import display  # hooks/ is on sys.path while hooks load
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("BLOG_CACHE_DIR", ROOT / ".cache")) / "exec"
PROJECT_PACKAGES = ("nn", "snippets")
DEFAULT_TIMEOUT = 120.0
# Part of every cache key: a change to what a cached result holds makes old entries misses.
RESULT_FORMAT = "2: ordered outputs"


# ---------------------------------------------------------------------------------------
# Which project files does a piece of code depend on?


def module_files(name: str) -> list[Path]:
    """Files executed by ``import name`` inside the project: each package's __init__ too."""
    parts = name.split(".")
    if parts[0] not in PROJECT_PACKAGES:
        return []
    files = []
    for depth in range(1, len(parts) + 1):
        base = ROOT.joinpath(*parts[:depth])
        if (base / "__init__.py").is_file():
            files.append(base / "__init__.py")
        elif base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
    return files


def imported_names(source: str, module: str | None = None) -> set[str]:
    """Absolute module names imported by ``source`` (``module`` resolves relative ones)."""
    names: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and module:
                package = module.split(".")[: -node.level] if node.level else []
                base = ".".join([*package, base] if base else package)
            names.add(base)
            # `from package import module` imports a submodule too.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n}


@functools.cache
def dependencies(source: str) -> tuple[Path, ...]:
    """Every project file that running ``source`` would execute, transitively, sorted."""
    seen: set[Path] = set()
    for name in imported_names(source):
        seen |= module_closure(name)
    return tuple(sorted(seen))


@functools.cache
def module_closure(name: str) -> frozenset[Path]:
    """The project files ``import name`` executes, transitively (walked once per build for
    each module name, however many blocks import it)."""
    seen: set[Path] = set()
    pending = [name]
    while pending:
        for path in module_files(pending.pop()):
            if path not in seen:
                seen.add(path)
                pending.extend(file_imports(path))
    return frozenset(seen)


@functools.cache
def file_imports(path: Path) -> frozenset[str]:
    """The modules one project file imports (read once per build)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    # A package's own name resolves its relative imports: `nn.__init__` minus one level.
    module = ".".join(parts)
    return frozenset(imported_names(path.read_text(encoding="utf-8"), module))


@functools.cache
def versions() -> dict[str, str]:
    return {"python": sys.version.split()[0], "numpy": metadata.version("numpy"),
            "matplotlib": metadata.version("matplotlib"), "result format": RESULT_FORMAT}


@functools.cache
def file_digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def cache_key(code: str, prelude: list[str], show_result: bool = False) -> str:
    digest = hashlib.sha256()
    if show_result:
        digest.update(b"\0show result\0")
    for part in [*prelude, code]:
        digest.update(part.encode())
        digest.update(b"\0block\0")
    for path in dependencies("\n".join([*prelude, code])):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(file_digest(path))
    digest.update(json.dumps(versions(), sort_keys=True).encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Running a block


class BlockTimeout(Exception):
    pass


@dataclass
class Result:
    outputs: list[dict]  # in order: streams, warnings, displayed values (see display.py)
    figures: list[dict]  # {"svg": ..., "alt": ...}
    seconds: float
    error: str | None = None

    @property
    def stdout(self) -> str:
        return "".join(o["text"] for o in self.outputs
                       if o["type"] == "stream" and o["name"] == "stdout")


@contextlib.contextmanager
def time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield  # signals only work in the main thread; `mkdocs serve` rebuilds elsewhere
        return

    def expire(signum, frame):
        raise BlockTimeout(f"block ran past its timeout of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
        svg = svg[svg.index("<svg"):]
        figures.append({"svg": svg, "alt": alt})
    return figures


def run(code: str, namespace: dict, timeout: float, salt: str, alt: str | None,
        show_result: bool = False) -> Result:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    plt.close("all")
    # Code that still uses the legacy global generator gets the same numbers every build.
    np.random.seed(0)  # noqa: NPY002
    start = time.perf_counter()
    error = None
    with display.recording(code) as recorder:
        try:
            with time_limit(timeout):
                display.run_code(code, namespace, f"<executed block {salt}>", show_result)
        except BaseException as exc:  # noqa: BLE001 - reported, with traceback, as a build error
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = "".join(traceback.format_exception(exc))
    figures = [] if error else figure_svgs(salt, alt)
    seconds = time.perf_counter() - start
    plt.close("all")
    return Result(recorder.outputs, figures, seconds, error)


# ---------------------------------------------------------------------------------------
# Build state and the superfences fence


@dataclass
class PageState:
    path: str
    blocks: int = 0
    sessions: dict[str, list[str]] = field(default_factory=dict)
    namespaces: dict[str, dict] = field(default_factory=dict)
    replayed: dict[str, int] = field(default_factory=dict)  # session -> blocks run in it
    errors: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # every block, in order: the script


@dataclass
class BuildState:
    ran: int = 0
    cached: int = 0
    seconds: float = 0.0
    page: PageState | None = None
    memory: dict[str, Result] = field(default_factory=dict)
    scripts: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)


state = BuildState()


def load_cached(key: str) -> Result | None:
    if key in state.memory:
        return state.memory[key]
    path = CACHE_DIR / f"{key}.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        result = Result(data["outputs"], data["figures"], data["seconds"])
    except (ValueError, KeyError):
        return None  # a damaged entry is a miss, never a wrong answer
    state.memory[key] = result
    return result


def store(key: str, result: Result) -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"{key}.json"
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"outputs": result.outputs, "figures": result.figures,
                                     "seconds": result.seconds}), encoding="utf-8")
    os.replace(temporary, path)  # readers never see half an entry
    state.memory[key] = result


def check_outputs(result: Result, page: PageState, number: int, alt: str | None) -> None:
    missing_alt = [i for i, f in enumerate(result.figures, 1) if not f["alt"]]
    if missing_alt:
        page.errors.append(f"{page.path}: executed block {number}: figure(s) {missing_alt} "
                           "have no alt text; use plt.figure(label=...) or alt=\"...\"")
    for problem in display.problems(result.outputs, alt):
        page.errors.append(f"{page.path}: executed block {number}: {problem}")


def execute_block(code: str, options: dict) -> Result:
    page = state.page
    if page is None:
        raise RuntimeError("executed block outside a page")
    page.blocks += 1
    page.codes.append(code)
    number = page.blocks
    session = options.get("session")
    prelude = page.sessions.get(session, []) if session else []
    show_result = options.get("result", "hide") == "show"
    key = cache_key(code, prelude, show_result)
    cached = load_cached(key)
    if cached is not None:
        state.cached += 1
        if session:
            page.sessions.setdefault(session, []).append(code)
        check_outputs(cached, page, number, options.get("alt"))
        return cached
    if session:
        namespace = page.namespaces.setdefault(session, {"__name__": "__main__"})
        # Earlier blocks of the session that came from the cache never ran in this
        # namespace: run them now, in order, for the state this block builds on.
        done = page.replayed.get(session, 0)
        for position, earlier in enumerate(prelude[done:], start=done + 1):
            replay = run(earlier, namespace, DEFAULT_TIMEOUT, "replay", None)
            if replay.error:
                page.errors.append(f"{page.path}: replaying block {position} of session "
                                   f"{session!r} for block {number} failed:\n{replay.error}")
                return replay
        page.replayed[session] = len(prelude) + 1
        page.sessions.setdefault(session, []).append(code)
    else:
        namespace = {"__name__": "__main__"}
    timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    result = run(code, namespace, timeout, key[:12], options.get("alt"), show_result)
    if result.error:
        first_line = code.strip().splitlines()[0] if code.strip() else ""
        page.errors.append(
            f"{page.path}: executed block {number} (starting {first_line!r}) failed:\n"
            f"{result.error}"
        )
        return result
    check_outputs(result, page, number, options.get("alt"))
    state.ran += 1
    state.seconds += result.seconds
    store(key, result)
    return result


OPTIONS = {"exec", "session", "show", "output", "timeout", "alt", "title", "result"}
VALUES = {"show": ("both", "output", "code", "none"), "result": ("hide", "show"),
          "output": ("text", "markdown")}


def validator(language, inputs, options, attrs, md) -> bool:
    if inputs.get("exec") not in ("on", "1", "true"):
        return False
    unknown = set(inputs) - OPTIONS
    if unknown:
        if state.page:
            state.page.errors.append(f"{state.page.path}: executed block: unknown option(s) "
                                     f"{sorted(unknown)}; expected {sorted(OPTIONS)}")
        return False
    wrong = [f"{name}={inputs[name]!r} (expected one of {list(allowed)})"
             for name, allowed in VALUES.items() if name in inputs and inputs[name] not in allowed]
    if wrong:
        if state.page:
            state.page.errors.append(f"{state.page.path}: executed block: "
                                     + "; ".join(wrong))
        return False
    options.update(inputs)
    return True


def highlight(code: str, title: str | None, md) -> str:
    """Highlight like any other fenced block of the site (same extension, same options)."""
    fences = md.preprocessors["fenced_code_block"]
    options = {"title": title} if title else {}
    return fences.highlight(code, "python", options, md, classes=[], id_value="", attrs={})


def formatter(source, language, class_name, options, md, **kwargs) -> str:
    if "excerpt" in md.treeprocessors:
        # The blog plugin renders a post again for each index, archive and category page
        # and keeps only the part before `<!-- more -->`, where no executed block may be.
        return ""
    try:
        return render_block(source, options, md)
    except Exception as error:
        # Superfences swallows a formatter's exception and prints the fence as text;
        # record it so that the page fails instead.
        if state.page:
            state.page.errors.append(f"{state.page.path}: executed block could not be "
                                     f"rendered: {error!r}")
        raise


def render_block(source: str, options: dict, md) -> str:
    result = execute_block(source, options)
    show = options.get("show", "both")
    parts = []
    if show in ("both", "code"):
        parts.append(highlight(source, options.get("title"), md))
    if result.error or show in ("code", "none"):
        return "".join(parts)
    parts += display.render_outputs(result.outputs, options.get("output") == "markdown",
                                    options.get("alt"))
    for figure in result.figures:
        svg = figure["svg"].replace(
            "<svg ", f'<svg role="img" aria-label="{html.escape(figure["alt"] or "", True)}" ',
            1,
        )
        parts.append(f'<figure class="exec-figure">{svg}</figure>')
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------
# MkDocs events


def on_config(config):
    fences = config.mdx_configs.setdefault("pymdownx.superfences", {})
    custom = fences.setdefault("custom_fences", [])
    if not any(entry.get("format") is formatter for entry in custom):
        custom.append({"name": "python", "class": "python", "validator": validator,
                       "format": formatter})
    return config


def on_pre_build(config):
    global state
    state = BuildState()
    # Files may have changed since the last build (`mkdocs serve`): forget what was read.
    dependencies.cache_clear()
    module_closure.cache_clear()
    file_imports.cache_clear()
    file_digest.cache_clear()
    os.environ.setdefault("MPLBACKEND", "Agg")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


EXCERPT_SEPARATOR = "<!-- more -->"


@event_priority(100)
def on_page_markdown(markdown, page, config, files):
    path = getattr(page.file, "notebook_source", None) or f"docs/{page.file.src_path}"
    state.page = PageState(path=path)
    head, separator, _ = markdown.partition(EXCERPT_SEPARATOR)
    if separator and 'exec="on"' in head:
        raise PluginError(f"{state.page.path}: an executed block sits in the excerpt (before "
                          f"{EXCERPT_SEPARATOR}); move it below, where it runs once per build")
    return markdown


@event_priority(100)
def on_page_content(html_content, page, config, files):
    if state.page and state.page.errors:
        raise PluginError("Executed block failed:\n" + "\n".join(state.page.errors))
    if state.page and state.page.codes:
        name = script_name(page)
        html_content += (
            f'<p><a class="md-button" href="{name}" download>'
            "Download this page's code</a> "
            "<small>(the blocks above as one script; run it from a clone of the blog's "
            "repository)</small></p>"
        )
        state.scripts[page.file.src_uri] = (page.title or "", page.url, list(state.page.codes))
    return html_content


def script_name(page) -> str:
    return (page.url.rstrip("/").rsplit("/", 1)[-1] or "index") + ".py"


def script_text(title: str, url: str, codes: list[str], site_url: str) -> str:
    """The page's executed blocks as one runnable script, with a header saying where from."""
    parts = [
        f'"""Code of "{title}", {site_url.rstrip("/")}/{url}\n\n'
        "Generated from the page's executed blocks when the site was built. Run it from a\n"
        "clone of the blog's repository, where `nn` and `snippets` live:\n\n"
        f"    python path/to/{url.rstrip('/').rsplit('/', 1)[-1] or 'index'}.py\n"
        '"""\n\n'
        "import os\nimport sys\n\n"
        "sys.path.insert(0, os.getcwd())  # the clone, for `import nn` and `import snippets`\n"
    ]
    if any("display(" in code for code in codes):  # Jupyter's builtin, used by the blocks
        parts.append("try:\n    from IPython.display import display\n"
                     "except ImportError:\n    display = print\n")
    for number, code in enumerate(codes, start=1):
        parts.append(f"# --- block {number} ---\n{code.rstrip()}\n")
    parts.append(
        "# --- show any figures the blocks made ---\n"
        "import sys  # noqa: E402\n\n"
        'if "matplotlib.pyplot" in sys.modules:\n'
        "    sys.modules[\"matplotlib.pyplot\"].show()\n"
    )
    return "\n".join(parts)


def on_post_page(output, page, config):
    script = state.scripts.get(page.file.src_uri)
    if script:
        title, url, codes = script
        target = Path(config.site_dir) / Path(page.file.dest_uri).parent / script_name(page)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(script_text(title, url, codes, config.site_url or ""),
                          encoding="utf-8")
    return output


def on_post_build(config):
    print(f"Executed blocks: {state.ran} ran ({state.seconds:.1f} s), "
          f"{state.cached} from cache")
