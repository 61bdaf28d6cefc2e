"""Typeset every formula with MathJax at build time, as SVG inside the page.

``pymdownx.arithmatex`` (generic mode) marks math as ``<span class="arithmatex">\\(..\\)``
and ``<div class="arithmatex">\\[..\\]``. The execblog-mathjax plugin sends each formula to
MathJax running in Node (``render.cjs``, MathJax pinned in ``package-lock.json``) and
replaces it with the SVG that MathJax returns. So the site serves no MathJax script and no
web font, math survives Material's instant navigation, and a TeX error fails the build
naming the page instead of showing red text to a reader.

How light a formula is in the page (the plugin's options, ``MathJaxOptions``): the glyphs
of a page are drawn once, in one store (``share_glyphs``); each formula's nested groups are
folded into its glyphs (``flatten``, flatten.py); a screen reader reads the formula's
spoken words, the SVG's name (``assistive: speech``), instead of a hidden MathML copy; and
display formulas off the screen are not laid out until the reader comes near them
(``skip_offscreen``).

Rendered formulas are cached on disk (``.cache/mathjax.sqlite``) keyed on the TeX, the
display mode and the MathJax version, so a warm build starts no renderer at all. Each entry
carries the SHA-256 of its SVG: a damaged one is typeset again, and said so in one line; a
damaged database file is started afresh; one that cannot be written fails the build with
one sentence naming the directory.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger

from execblog import sqlite_cache
from execblog.execution import cache as execution_cache
from execblog.mathjax import merge as merge_module
from execblog.mathjax.flatten import flatten
from execblog.mathjax.merge import lift_paint, merge_glyphs, relative_path
from execblog.sqlite_cache import checksum

ROOT = Path(__file__).resolve().parents[2]
RENDERER = Path(__file__).with_name("render.cjs")
MATHJAX_PACKAGE = ROOT / "node_modules" / "mathjax-full" / "package.json"
# BLOG_CACHE_DIR lets throw-away copies of the project (the fault-injection tests) share
# the cache; entries are keyed on content, so sharing never serves a wrong result.
def cache_file() -> Path:
    """The formulas' cache, in the build's cache directory (execblog-build's cache_dir)."""
    return execution_cache.cache_root() / "mathjax.sqlite"
# (Entries were once kept without a checksum, in the table "svg": see open_cache.)
TABLE = "formula"
log = get_plugin_logger(__name__)
# The Python side of a cached formula (slim, flatten): a change here typesets again, as a
# change of render.cjs does.
POSTPROCESS = "2"


@dataclass(frozen=True)
class MathJaxOptions:
    """What execblog-mathjax's options (plugin.py) make of each formula."""

    assistive: str = "speech"  # "speech": the SVG named by its words; "mathml": a copy
    locale: str = "en"  # the language of the spoken words
    flatten: bool = True  # each glyph placed by one transform, without nested groups

    def key(self) -> str:
        return f"{POSTPROCESS}/{self.assistive}/{self.locale}/{int(self.flatten)}"

MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.DOTALL
)
DELIMITERS = {"span": (r"\(", r"\)"), "div": (r"\[", r"\]")}


class MathJaxError(Exception):
    pass


def open_cache(path: Path) -> sqlite3.Connection:
    """The cache's database (execblog.sqlite_cache: made if need be, a damaged file started
    afresh, an unwritable one the build's error in one sentence)."""
    return sqlite_cache.open_table(
        path, f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, svg TEXT, sha256 TEXT)",
        TABLE, "The MathJax cache", on_empty=adopt_unchecked)


def cache_error(path: Path, error: sqlite3.OperationalError) -> Exception:
    return sqlite_cache.cache_error(path, error, "The MathJax cache")


def adopt_unchecked(db: sqlite3.Connection) -> None:
    """Entries of the earlier table without checksums, taken over once (they are as good as
    they were): a cache kept from before checksums does not typeset everything again."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'svg'"
                  ).fetchone():
        rows = db.execute("SELECT key, svg FROM svg").fetchall()
        db.executemany(f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?)",
                       [(key, svg, checksum(svg)) for key, svg in rows])


class Renderer:
    """A long-lived Node process that turns TeX into SVG, one formula per request."""

    def __init__(self, options: MathJaxOptions | None = None) -> None:
        self.options = options or MathJaxOptions()
        if not MATHJAX_PACKAGE.is_file():
            raise PluginError(
                f"MathJax is not installed ({MATHJAX_PACKAGE} is missing): run `npm ci`, "
                "or `make build`, which does it for you"
            )
        # The renderer's own code is part of the key: changing its options re-renders.
        renderer_digest = hashlib.sha256(RENDERER.read_bytes()).hexdigest()[:16]
        self.version = (json.loads(MATHJAX_PACKAGE.read_text())["version"] + "/"
                        + renderer_digest + "/" + self.options.key())
        self.process: subprocess.Popen | None = None
        self.db = open_cache(cache_file())
        self.new: dict[str, str] = {}  # written in one transaction at the end
        self.rendered = 0
        self.cached = 0
        self.damaged = 0
        self.css = self.cached_entry(f"css:{self.version}") or ""
        # Formulas folded into one outline each (merge.py), kept beside the rendered ones.
        self.memo = merge_module.Memo(
            lambda key: self.new.get(key) or self.cached_entry(key),
            self.new.__setitem__)

    def cached_entry(self, key: str) -> str | None:
        """The cached SVG (or stylesheet) under ``key``; None if there is none or it does not
        match its checksum (reported: it is made again, and replaced)."""
        row = self.db.execute(f"SELECT svg, sha256 FROM {TABLE} WHERE key = ?",
                              (key,)).fetchone()
        if row is None:
            return None
        if not isinstance(row[0], str) or checksum(row[0]) != row[1]:
            self.damaged += 1
            log.info(f"MathJax cache entry {key[:24]} in {cache_file()} was damaged (checksum "
                     "mismatch); typesetting it again")
            return None
        return row[0]

    def stylesheet(self) -> str:
        """MathJax's stylesheet for the SVG; from the renderer if the cache has none."""
        if not self.css:
            self._start()
        return self.css

    def _start(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(RENDERER), f"--assistive={self.options.assistive}",
             f"--locale={self.options.locale}"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )
        first = json.loads(self.process.stdout.readline())
        self.css = first["css"]
        self.new[f"css:{self.version}"] = self.css

    def render(self, tex: str, display: bool) -> str:
        key = hashlib.sha256(f"{self.version}\0{display}\0{tex}".encode()).hexdigest()
        svg = self.new.get(key) or self.cached_entry(key)
        if svg is not None:
            self.cached += 1
            return svg
        if self.process is None:
            self._start()
        assert self.process and self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise MathJaxError(answer["error"])
        svg = slim(answer["svg"])
        if self.options.flatten:
            svg = flatten(svg)
        self.new[key] = svg
        self.rendered += 1
        return svg

    def close(self) -> None:
        if self.process:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        try:
            with self.db:
                self.db.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?)",
                                    [(key, svg, checksum(svg)) for key, svg in self.new.items()])
        except sqlite3.OperationalError as error:
            raise cache_error(cache_file(), error) from None
        finally:
            self.db.close()


# Attributes that only MathJax's interactive menu reads. The stylesheet keys a few rules on
# data-mml-node (tables, errors, actions), so those values stay; `use[data-c]` gets its
# stroke width from SLIM_CSS instead.
MML_NODE = re.compile(r' data-mml-node="(?!mtable"|merror"|maction")[^"]*"')
DATA_C = re.compile(r' data-c="[^"]*"')
# The TeX class MathJax records for its explorer and menu: no style reads it.
TEX_CLASS = re.compile(r' data-mjx-texclass="[^"]*"')
SLIM_CSS = 'mjx-container[jax="SVG"] use { stroke-width: 3; }'


def slim(svg: str) -> str:
    return TEX_CLASS.sub("", DATA_C.sub("", MML_NODE.sub("", svg)))


def strip_delimiters(tag: str, body: str) -> str:
    tex = html.unescape(body).strip()
    opening, closing = DELIMITERS[tag]
    if tex.startswith(opening) and tex.endswith(closing):
        tex = tex[len(opening):-len(closing)]
    return tex.strip()


def typeset(page_html: str, where: str, renderer: Renderer) -> str:
    errors = []

    def replace(match: re.Match) -> str:
        tag = match["tag"]
        if "<mjx-container" in match["body"]:
            return match.group(0)  # typeset already, at on_page_content
        tex = strip_delimiters(tag, match["body"])
        try:
            svg = renderer.render(tex, display=tag == "div")
        except MathJaxError as error:
            errors.append(f"{where}: TeX error in {tex!r}: {error}")
            return match.group(0)
        return f'<{tag} class="arithmatex">{svg}</{tag}>'

    out = MATH.sub(replace, page_html)
    if errors:
        raise PluginError("MathJax could not typeset:\n  " + "\n  ".join(errors))
    return out


GLYPH_DEFS = re.compile(r"<defs>((?:<path [^>]*></path>)*)</defs>")
GLYPH_PATH = re.compile(r'<path id="MJX-\d+-(?P<key>[^"]+)" d="(?P<d>[^"]*)"></path>')
GLYPH_USE = re.compile(r'xlink:href="#MJX-\d+-([^"]+)"')
STORED_USE = re.compile(r'xlink:href="#mjx-glyph-([^"]+)"')
FIRST_FORMULA = re.compile(r'<(?:span|div) class="arithmatex"><mjx-container')


def share_glyphs(page_html: str, merge: bool | str = False,
                 memo: merge_module.Memo | None = None) -> str:
    """Move every formula's glyph outlines into one store per page, each glyph once; with
    ``merge``, each run of glyphs in a formula is first drawn as one outline (merge.py), and
    the store keeps only the glyphs some ``<use>`` still points at."""
    glyphs: dict[str, str] = {}

    def collect(match: re.Match) -> str:
        for path in GLYPH_PATH.finditer(match.group(1)):
            glyphs.setdefault(path["key"], path["d"])
        return ""

    out = GLYPH_DEFS.sub(collect, page_html)
    if not glyphs:
        return page_html
    if merge:
        out = merge_glyphs(out, glyphs, memo, display=merge != "inline")
    out = lift_paint(out, memo)  # (what merging left, if it ran)
    out = GLYPH_USE.sub(r'xlink:href="#mjx-glyph-\1"', out)
    used = set(STORED_USE.findall(out)) if merge else glyphs.keys()
    paths = "".join(f'<path id="mjx-glyph-{key}" d="{relative_path(d)}"></path>'
                    for key, d in glyphs.items() if key in used)
    if not paths:
        return out
    store = (f'<svg class="mjx-glyph-store" aria-hidden="true" style="position: absolute; '
             f'width: 0; height: 0; overflow: hidden"><defs>{paths}</defs></svg>')
    # Just before the first formula: inside the content, which Material's instant navigation
    # swaps, so the glyphs of the next page arrive with its formulas.
    first = FIRST_FORMULA.search(out)
    return out[: first.start()] + store + out[first.start():]


# Display formulas off the screen are not styled or laid out until the reader scrolls near
# them (content-visibility); each box keeps the height of its formula meanwhile, so the
# page's length hardly changes as they come in.
SKIP_OFFSCREEN_CSS = ('.md-typeset div.arithmatex { content-visibility: auto; '
                      'contain-intrinsic-size: auto var(--mjx-h, 3em); }')
DISPLAY_HEIGHT = re.compile(r'<div class="arithmatex"><mjx-container[^>]*><svg [^>]*?'
                            r'height="(?P<height>[\d.]+)ex"')


def with_heights(page_html: str) -> str:
    """Each display formula's box told the height of its formula (``--mjx-h``), which it
    takes while it is skipped (``SKIP_OFFSCREEN_CSS``): an ex of the page's font is about
    half an em, and MathJax gives a display formula 1 em of margin above and below."""
    def height(match: re.Match) -> str:
        em = float(match["height"]) / 2 + 2
        return match.group(0).replace(
            '<div class="arithmatex">', f'<div class="arithmatex" style="--mjx-h: {em:.2f}em">',
            1)
    return DISPLAY_HEIGHT.sub(height, page_html)


def post_page(output: str, where: str, renderer: Renderer, skip_offscreen: bool,
              merge: bool | str = False) -> str:
    """The finished page: math that reached it by another road (excerpts on index pages)
    typeset, the glyphs in one store (or each formula's run of glyphs as one outline, with
    ``merge``), MathJax's stylesheet in the head."""
    output = typeset(output, where, renderer)
    if "<mjx-container" in output:
        output = share_glyphs(output, merge, renderer.memo)
        css = renderer.stylesheet() + SLIM_CSS
        if skip_offscreen:
            output = with_heights(output)
            css += SKIP_OFFSCREEN_CSS
        style = f'<style id="mathjax-svg-styles">{css}</style>'
        output = output.replace("</head>", style + "</head>", 1)
    return output
