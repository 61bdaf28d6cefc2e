"""Execute marked Python blocks at build time: in worker processes, ahead of conversion,
once, through a cache that knows what each page's code ran.

A fenced block whose header says ``exec="on"`` runs when the site is built (its options:
execution/fence.py). What it prints, displays and draws goes into the page (see
execution/display.py).

Once MkDocs knows the pages (``on_nav``), every page to be built is read for its executed
blocks (execution/scan.py, includes expanded) and each page whose results are not in the
cache is handed to a pool of worker processes (execution/pool.py, one worker per core or
execblog-execution's ``jobs``), which runs each page's blocks, in order, in a fresh process, while
MkDocs converts the pages before it. When the conversion reaches a block, the fence takes
its result, waiting if the page is still running. A block that raises, exits, crashes, runs
past its timeout or past the memory limit fails the build with the post's file, the line of
the block's opening fence, the block's number, its first line and what happened (for a
notebook post: the notebook and the cell's number in it, see notebooks.py); under
``mkdocs serve`` the next save rebuilds.

The cache (execution/cache.py) keeps each page's results with the project functions and
data files its blocks used (execution/deps.py): editing a function no block ran re-runs
nothing; editing one a page ran re-runs that page.
"""

from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import InclusionLevel

from execblog.execution import cache, deps, fence, scan, script
from execblog.execution.pool import Pool, Run
from execblog.posts.notebooks import NotebookPost, cell_name

log = get_plugin_logger(__name__)

ROOT = Path(__file__).resolve().parents[2]
EXCERPT_SEPARATOR = "<!-- more -->"  # without the blog plugin (its default)


@dataclass
class Plan:
    """A page's blocks as read before its conversion, and their results (or their run)."""

    blocks: list[cache.Block]
    key: str
    results: list[dict] | None = None
    future: Future | None = None

    def result(self, number: int) -> dict:
        if self.results is None:
            self.results = self.future.result().results
        return self.results[number - 1]


@dataclass
class PageState:
    path: str
    plan: Plan | None
    blocks: list[cache.Block] = field(default_factory=list)  # as the conversion met them
    errors: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # every block, in order: the script
    figures: dict[str, str] = field(default_factory=dict)  # file name: SVG, beside the page
    file: object = None  # the page's File, to name a failing block's line or cell
    notebook: NotebookPost | None = None  # the notebook a generated post came from
    invalid: int = 0  # blocks refused for their options, so far
    lines: tuple[list[int], list[int]] | None = None  # see fence_lines


@dataclass(frozen=True)
class Settings:
    """execblog-execution's options (its Config schema documents them)."""

    jobs: int = 0  # 0: one per core
    memory: int | None = None  # None: the pool's default
    max_output: int | None = None
    timeout: float = fence.DEFAULT_TIMEOUT


@dataclass
class BuildState:
    command: str = "build"
    dirty: bool = False
    settings: Settings = field(default_factory=Settings)
    pool: Pool | None = None
    jobs: int = 0
    plans: dict[str, Plan] = field(default_factory=dict)
    page: PageState | None = None
    ran: int = 0
    cached: int = 0
    seconds: float = 0.0
    unplanned: list[str] = field(default_factory=list)  # pages the scan read otherwise
    started: float | None = None
    finished: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    scripts: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)
    figures: dict[str, dict[str, str]] = field(default_factory=dict)  # by page src_uri




# ---------------------------------------------------------------------------------------
# Running pages


# ---------------------------------------------------------------------------------------
# Naming a block in messages: the post's file, the line of its opening fence, its number;
# in a notebook post, the notebook and the cell it came from.


def fence_lines(page: PageState) -> tuple[list[int], list[int]]:
    """The lines (from 1) of the page's valid and invalid executed blocks' opening fences,
    in its Markdown as written (a notebook post's: as generated), read once, on the first
    error (scan.block_lines)."""
    if page.lines is None:
        page.lines = [], []
        count = len(page.plan.blocks) if page.plan is not None else None
        # a notebook post's, as notebooks.py generated it
        known = page.notebook.block_lines if page.notebook else None
        if known is not None:
            page.lines = known if count in (None, len(known[0])) else ([], known[1])
            return page.lines
        try:
            text = page.file.content_string
        except Exception:  # noqa: BLE001 - a message without a line is still a message
            return page.lines
        page.lines = scan.block_lines(text, count)
    return page.lines


def place(page: PageState, line: int | None, what: str) -> str:
    """``file:line: what``, or, for a line of a notebook post, ``notebook[:line]: cell N``
    (the line of a Jupytext script's cell)."""
    cells = page.notebook.cells if page.notebook else None
    if cells is None:
        return f"{page.path}{f':{line}' if line else ''}: {what}"
    above = [cell for cell in cells if cell.markdown_line < line] if line else []
    if not above:
        return f"{page.path}: {what}"
    cell = above[-1]
    return f"{page.path}{f':{cell.file_line}' if cell.file_line else ''}: {cell_name(cell.number)}"


def block_cell(page: PageState, number: int):
    """The notebook cell (notebooks.CellPlace) the page's block ``number`` came from."""
    lines = fence_lines(page)[0]
    line = lines[number - 1] if number <= len(lines) else None
    above = [cell for cell in (page.notebook.cells if page.notebook else ())
             if line and cell.markdown_line < line]
    return above[-1] if above else None


# The name the worker compiles a block under (worker.py): "<executed block {salt}-{number}>".
FRAME = re.compile(r'File "<executed block [0-9a-f]+-(\d+)>", line (\d+)')


def traceback_places(page: PageState, text: str) -> str:
    """``text`` (a block's traceback) with each frame of a block named by the post's file
    and the line in it, or, for a notebook, by the notebook and the cell's number."""

    def frame(match: re.Match) -> str:
        number, line = int(match[1]), int(match[2])
        if page.notebook is not None:
            cell = block_cell(page, number)
            if cell is not None:
                return f'File "{page.path}, cell {cell.number}", line {cell.source_line(line)}'
        else:
            lines = fence_lines(page)[0]
            code = page.blocks[number - 1].code.split("\n") if number <= len(page.blocks) else []
            if number <= len(lines) and line <= len(code):
                try:
                    written = page.file.content_string.split("\n")
                except Exception:  # noqa: BLE001 - the frame keeps the block's number
                    written = []
                in_file = lines[number - 1] + line  # the code starts below the fence
                if in_file <= len(written) and written[in_file - 1].strip() == \
                        code[line - 1].strip():
                    return f'File "{page.path}", line {in_file}'
        return f'File "{page.path}, executed block {number}", line {line}'

    return FRAME.sub(frame, text)


def block_name(page: PageState, number: int) -> str:
    """How messages name the page's executed block ``number`` (from 1)."""
    lines = fence_lines(page)[0]
    return place(page, lines[number - 1] if number <= len(lines) else None,
                 f"executed block {number}")


def record_errors(page: PageState, number: int, block: cache.Block, result: dict) -> None:
    if result.get("skipped"):
        return  # an earlier block stopped the worker: that block's error says why
    if result.get("error"):
        first_line = block.code.strip().splitlines()[0] if block.code.strip() else ""
        name = block_name(page, number)
        # "cell N (...)" says more in brackets already: the first line follows in commas
        starting = (f", starting {first_line!r}," if name.endswith(")")
                    else f" (starting {first_line!r})")
        page.errors.append(f"{name}{starting} failed:\n"
                           f"{traceback_places(page, result['error'])}")
        return
    for problem in fence.output_problems(result, block.alt):
        page.errors.append(f"{block_name(page, number)}: {problem}")


# ---------------------------------------------------------------------------------------
# The fence


# ---------------------------------------------------------------------------------------
# MkDocs events


def page_path(file, notebook: NotebookPost | None, docs: str) -> str:
    """The page's file as messages name it: the notebook a generated post came from, or
    the Markdown file under the docs folder (as given in mkdocs.yml)."""
    return notebook.source if notebook else f"{docs}/{file.src_path}"


class Execution:
    """Executed blocks of one site, across builds: kept by execblog-execution (MkDocs keeps
    the plugin across `mkdocs serve` rebuilds); ``state`` is this build's."""

    def __init__(self) -> None:
        self.state = BuildState()
        self.root = ROOT  # the project (mkdocs.yml's folder), set again by on_config
        # The key of each page's latest results (by src_uri), kept from build to build.
        self.page_keys: dict[str, str] = {}

    def pages_depending_on(self, files: set[str]) -> set[str]:
        """The pages whose executed blocks, when they last ran, ran or read any of ``files``
        (paths from the project's folder): what the preview rebuilds after such a save."""
        return cache.pages_depending_on(files, self.page_keys)

    def pool(self) -> Pool:
        if self.state.pool is None:
            settings = self.state.settings
            self.state.pool = Pool(jobs=settings.jobs or None, root=self.root,
                                   memory=settings.memory,
                              max_output=settings.max_output)
            self.state.jobs = self.state.pool.jobs
        return self.state.pool


    def finish(self, key: str, run: Run) -> None:
        """Count and cache a page's run (in the pool's thread, as soon as it ends)."""
        ran = [result for result in run.results if not result.get("skipped")]
        with self.state.lock:
            self.state.ran += len(ran)
            self.state.seconds += sum(result["seconds"] for result in ran)
            self.state.finished = time.perf_counter()
        if not run.failed:
            recorded = deps.record(self.root, sorted(run.code), sorted(run.data))
            cache.store(key, run.results, recorded)


    def start(self, blocks: list[cache.Block]) -> Plan:
        """The page's results from the cache, or its run submitted to the pool."""
        key = cache.page_key(blocks)
        results = cache.load(key, self.root)
        if results is not None and len(results) == len(blocks):
            self.state.cached += len(blocks)
            return Plan(blocks, key, results=results)
        if self.state.started is None:
            self.state.started = time.perf_counter()
        future = self.pool().submit(blocks, key[:12])
        future.add_done_callback(lambda done: self.finish(key, done.result())
                                 if not done.cancelled() and done.exception() is None else None)
        return Plan(blocks, key, future=future)


    def result_of(self, page: PageState, block: cache.Block) -> dict:
        """The result of the page's next block, as planned or, if the conversion met blocks the
        plan did not foresee, by running the blocks met so far."""
        page.blocks.append(block)
        number = len(page.blocks)
        plan = page.plan
        if plan is not None and plan.blocks[:number] == page.blocks:
            return plan.result(number)
        if plan is not None or number == 1:
            self.state.unplanned.append(page.path)
        page.plan = None  # from here on, the page runs as it is converted
        return self.start(list(page.blocks)).result(number)


    def validator(self, language, inputs, options, attrs, md) -> bool:
        if not fence.is_executed(inputs):
            return False
        problems = fence.problems(inputs)
        if problems:
            page = self.state.page
            if page:
                page.invalid += 1
                invalid = fence_lines(page)[1]
                line = invalid[page.invalid - 1] if page.invalid <= len(invalid) else None
                page.errors.append(f"{place(page, line, 'executed block')}: {problems[0]}")
            return False
        options.update(inputs)
        return True


    def formatter(self, source, language, class_name, options, md, **kwargs) -> str:
        if "excerpt" in md.treeprocessors:
            # The blog plugin renders a post again for each index, archive and category page
            # and keeps only the part before `<!-- more -->`, where no executed block may be.
            return ""
        page = self.state.page
        try:
            if page is None:
                raise RuntimeError("executed block outside a page")
            block = fence.block(source, options, self.state.settings.timeout)
            page.codes.append(source)
            result = self.result_of(page, block)
            record_errors(page, len(page.blocks), block, result)
            return fence.render(source, options, result, md, page.figures)
        except Exception as error:
            # Superfences swallows a formatter's exception and prints the fence as text;
            # record it so that the page fails instead.
            if page:
                page.errors.append(f"{block_name(page, len(page.blocks))}: could not be "
                                   f"rendered: {error!r}")
            raise


    def on_startup(self, command, dirty):
        self.state.command, self.state.dirty = command, dirty


    def configure(self, settings: Settings) -> None:
        self.state.settings = settings


    def on_config(self, config):
        self.root = Path(config.config_file_path).resolve().parent
        fences = config.mdx_configs.setdefault("pymdownx.superfences", {})
        custom = fences.setdefault("custom_fences", [])
        # (A bound method is a new object at each access: compared with ==, not `is`.)
        if not any(entry.get("format") == self.formatter for entry in custom):
            custom.append({"name": "python", "class": "python", "validator": self.validator,
                           "format": self.formatter})
        return config


    def on_pre_build(self, config):
        self.stop()
        self.state = BuildState(command=self.state.command, dirty=self.state.dirty,
                                settings=self.state.settings)


    @event_priority(-100)  # last: after the preview (serve_incremental.py) chose what to build
    def on_nav(self, nav, config, files):
        """Read every page to be built for its executed blocks; start the ones not cached."""
        inclusion = (InclusionLevel.is_in_serve if self.state.command == "serve"
                     else InclusionLevel.is_included)
        reader = scan.reader(config.mdx_configs)
        for file in files.documentation_pages(inclusion=inclusion):
            if self.state.dirty and not file.is_modified():
                continue
            try:
                text = file.content_string
                if 'exec="on"' not in text and "exec=" not in text:
                    continue
                blocks = [fence.block(code, options, self.state.settings.timeout)
                          for code, options in scan.executed_blocks(scan.expand(text, reader))]
            except Exception:  # noqa: BLE001 - the page's conversion reports what is wrong
                continue
            if blocks:
                self.state.plans[file.src_uri] = plan = self.start(blocks)
                self.page_keys[file.src_uri] = plan.key
        return nav


    @event_priority(100)
    def on_page_markdown(self, markdown, page, config, files):
        posts = config.plugins.get("execblog-posts")
        notebook = posts.notebook_post(page.file.src_uri) if posts is not None else None
        docs = os.path.relpath(config.docs_dir, self.root)
        self.state.page = PageState(path=page_path(page.file, notebook, docs),
                                    plan=self.state.plans.get(page.file.src_uri),
                                    file=page.file, notebook=notebook)
        blog = config.plugins.get("material/blog")
        excerpt = blog.config.post_excerpt_separator if blog is not None else EXCERPT_SEPARATOR
        head, separator, _ = markdown.partition(excerpt)
        if separator and 'exec="on"' in head:
            first = sorted(line for lines in fence_lines(self.state.page) for line in lines)
            where = place(self.state.page, first[0] if first else None, "executed block")
            raise PluginError(f"Executed block in the excerpt:\n  {where} sits in the excerpt "
                              f"(before {excerpt}); move it below, where it runs once per "
                              "build")
        return markdown


    @event_priority(100)
    def on_page_content(self, html_content, page, config, files):
        if self.state.page and self.state.page.errors:
            heading = ("Notebook cell failed" if self.state.page.notebook is not None
                       else "Executed block failed")
            raise PluginError(f"{heading}:\n" + "\n".join(self.state.page.errors))
        current = self.state.page
        if current and not current.codes and not current.blocks and current.plan is not None:
            # Converted from memory (the preview reuses a listed post's last conversion for
            # its excerpt): no block met the fence, but the page has them all the same, and
            # its reading time counts this paragraph.
            current.codes = [block.code for block in current.plan.blocks]
        if self.state.page and self.state.page.codes:
            name = script.script_name(page)
            html_content += (
                f'<p><a class="md-button" href="{name}" download>'
                "Download this page's code</a> "
                "<small>(the blocks above as one script; run it from a clone of the blog's "
                "repository)</small></p>"
            )
            self.state.scripts[page.file.src_uri] = (page.title or "", page.url,
                                                     list(self.state.page.codes))
        if self.state.page and self.state.page.figures:
            self.state.figures[page.file.src_uri] = dict(self.state.page.figures)
        return html_content


    def on_post_page(self, output, page, config):
        folder = Path(config.site_dir) / Path(page.file.dest_uri).parent
        found = self.state.scripts.get(page.file.src_uri)
        if found:
            title, url, codes = found
            folder.mkdir(parents=True, exist_ok=True)
            (folder / script.script_name(page)).write_text(
                script.script_text(title, url, codes, config.site_url or ""), encoding="utf-8")
        # The figures, beside the page that shows them (execution/figures.py).
        for name, svg in self.state.figures.get(page.file.src_uri, {}).items():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(svg, encoding="utf-8")
        return output


    def stop(self) -> None:
        """Stop the workers of the current build (pages it did not need, or after a failure)."""
        if self.state.pool is not None:
            self.state.pool.cancel()
            self.state.pool = None


    def on_post_build(self, config):
        self.stop()
        state = self.state
        wall = (state.finished - state.started) if state.started and state.finished else 0.0
        log.info(f"Executed blocks: {state.ran} ran ({state.seconds:.1f} s, {wall:.1f} s wall "
                 f"on {state.jobs} workers), {state.cached} from cache")
        if self.state.unplanned:
            log.info(f"Executed blocks run as their pages were converted (not found ahead): "
                  f"{', '.join(self.state.unplanned)}")


    def on_build_error(self, error):
        self.stop()


    def on_shutdown(self):
        self.stop()
