"""`execblog-citations`: citations, numbered equations, figures and tables, cross-references,
"cite this post" and series, resolved in each post's Markdown before it is converted.

Events, in order:

* ``on_config``: reads and checks the bibliography (a mistake names the .bib line).
* ``on_files`` (priority -50, after notebook posts became Markdown): reads every post's
  labels and title, so that a post can refer to a label of any other, and its series.
* ``on_nav`` (priority -60, after the blog plugin): drafts and future posts leave their
  series, and a reference to one of their labels fails.
* ``on_page_markdown``: rewrites the post (see ``markdown.py``), puts its footnotes before
  its References and "Cite this post", and its place in a series; a mistake names the post.
* ``on_page_content`` (priority 60): keeps a post's footnotes; ``on_post_page`` (priority
  10) copies those an excerpt refers to onto the list showing it (for Material's footnote
  tooltips) and marks footnote markers for search to leave out.
* ``on_post_build``: keeps what citeproc-py formatted for the next build (``kept.py``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from datetime import date, datetime
from pathlib import Path

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, InclusionLevel

from execblog.citations.bibtex import BibliographyError, load_bibliography
from execblog.citations.kept import Kept
from execblog.citations.markdown import MarkupError, PostLabels, collect_labels
from execblog.citations.page import PostInfo, post_id_of, process
from execblog.citations.render import Formatter
from execblog.citations.series import (
    Series,
    SeriesError,
    collect_series,
    series_box,
    series_page,
)
from execblog.execution.cache import cache_root, not_writable
from execblog.filememo import FileMemo

log = get_plugin_logger(__name__)

# A footnote as Markdown's footnotes extension writes it (each <li> ends a line, before the
# next note or the end of the list), and a marker that points at a note of another page.
_NOTE = re.compile(r'<li id="(?P<id>fn:[^"]+)">[\s\S]*?</li>(?=\n(?:<li id="fn:|</ol>))')
_NOTE_LINKS = re.compile(r'<sup id="fnref\d*:[^"]*"|<a class="footnote-backref"')
_FOREIGN_REF = re.compile(r'<sup id="(?P<marker>fnref\d*:[^"]+)">\s*'
                          r'<a (?=[^>]*class="footnote-ref")[^>]*href="[^"#]+#(?P<id>fn:[^"]+)"')
_BACKREF = re.compile(r'<a class="footnote-backref" href="#[^"]*"[^>]*>[\s\S]*?</a>')


def _backrefs_to(note: str, markers: list[str]) -> str:
    """A note's ways back (one per marker), each leading to one of ``markers`` (the ids of
    its markers on the page it is copied to); any beyond the markers is left out."""
    left = list(markers)

    def point(match: re.Match) -> str:
        if not left:
            return ""
        return re.sub(r'href="#[^"]*"', f'href="#{left.pop(0)}"', match.group(0), count=1)

    return _BACKREF.sub(point, note)


class CitationsConfig(base.Config):
    # The BibTeX file, relative to docs_dir.
    bibliography = c.Type(str, default="references.bib")
    # A CSL style: the name of one citeproc-py ships, or a path to a .csl file (relative
    # to the config file's folder).
    csl_style = c.Type(str, default="harvard-cite-them-right")
    # The folder of the posts, relative to docs_dir: their labels can be referred to from
    # other posts, and each gets a "Cite this post" block. Used only on a site without
    # execblog-posts, whose layout (the blog plugin's blog_dir and post_dir) comes first.
    posts_dir = c.Type(str, default="blog/posts")
    # Add a "Cite this post" BibTeX block at the end of each post.
    cite_this_post = c.Type(bool, default=True)


def _first_heading(markdown: str) -> str:
    match = re.search(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", markdown, re.M)
    return match.group(1).strip() if match else ""


def _read_post(path: Path) -> tuple[dict, str, dict[str, int]]:
    """A post's front matter, body and labels (``collect_labels``), from its file."""
    front, body = _split_front_matter(path.read_text(encoding="utf-8"))
    return front, body, collect_labels(body)


def _split_front_matter(text: str) -> tuple[dict, str]:
    """A post's front matter (read with YAML; execblog-posts has checked it) and body."""
    match = re.match(r"^---[ \t]*\n([\s\S]*?\n)---[ \t]*\n", text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None  # execblog-posts or MkDocs names the mistake
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, dict) and "created" in value:
        return _as_date(value["created"])
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


class CitationsPlugin(BasePlugin[CitationsConfig]):
    def __init__(self):
        self.formatter: Formatter | None = None
        self.bibliography_path: Path | None = None
        self.posts: dict[str, PostLabels] = {}
        self.series: dict[str, Series] = {}
        self.cited: dict[str, set[str]] = {}
        self.posts_prefix = "blog/posts/"  # the posts' folder (src_uri prefix)
        self.blog_dir = "blog"  # where the series pages go
        self.separator = "<!-- more -->"  # the end of a post's excerpt
        self.author_names: dict[str, str] = {}  # author key -> name, from .authors.yml
        # Kept across `mkdocs serve` rebuilds (the plugin has on_startup): what each post's
        # file holds (front matter, body and labels: scanning every post's labels again
        # was a fifth of a save's rebuild at 50 posts), the formatter of the bibliography as
        # last read, and each page's rewritten Markdown with the key of what it depended on.
        self.sources: FileMemo[tuple[dict, str, dict[str, int]]] = FileMemo()
        self.formatters: FileMemo[tuple[str, Formatter]] = FileMemo()
        self.rewritten: dict[str, tuple[tuple, tuple[str, set[str]]]] = {}
        self.labels_digest = ""  # of every post's title and labels, this build
        self.bibliography_key: tuple = ()  # the .bib file's (time, size) and the style
        # The footnotes extension's PLACE_MARKER; None when the extension is off.
        self.footnotes_marker: str | None = None
        # Each post's footnotes as converted (before formulas are typeset): id ("fn:<post
        # id>-<label>") -> the <li>, for the excerpts that show their markers elsewhere.
        self.notes: dict[str, str] = {}
        # Each page's citations as citeproc-py formatted them, kept between builds in the
        # build's cache directory (kept.py).
        self.kept = Kept(cache_root)

    def on_startup(self, *, command, dirty):
        pass  # (defined so that MkDocs keeps this instance across `mkdocs serve` rebuilds)

    def on_config(self, config):
        docs_dir = Path(config["docs_dir"])
        path = docs_dir / self.config.bibliography
        shown = str(Path(config["docs_dir"]).name + "/" + self.config.bibliography)
        style = self.config.csl_style
        if style.endswith(".csl"):
            style_path = Path(config.config_file_path).parent / style
            if not style_path.is_file():
                raise PluginError(
                    f"execblog-citations: csl_style {style!r} does not exist "
                    f"(looked for {style_path})"
                )
            style = str(style_path)
        def formatter(path: Path) -> tuple[str, Formatter]:
            try:
                return style, Formatter(load_bibliography(path, shown), style)
            except ValueError as error:
                raise PluginError(
                    f"execblog-citations: csl_style {style!r} is not a style citeproc-py "
                    f"knows: {error}"
                ) from None

        try:
            known = self.formatters.get(path, formatter)
            if known[0] != style:  # the style changed, the file did not
                self.formatters.clear()
                known = self.formatters.get(path, formatter)
        except BibliographyError as error:
            raise PluginError(f"Bibliography error:\n  {error}") from None
        except FileNotFoundError:
            raise PluginError(f"Bibliography error:\n  {shown}:0: the bibliography file does "
                              "not exist") from None
        self.formatter = known[1]
        self.bibliography_key = (self.formatters.entries[path][0], style)
        self.bibliography_path = path
        self.footnotes_marker = _footnotes_marker(config)
        self._read_layout(config)
        return config

    def _read_layout(self, config) -> None:
        """Where the posts are, where an excerpt ends and who the authors are: from
        execblog-posts' layout and the blog plugin's options, so nothing is said twice."""
        posts_plugin = config.plugins.get("execblog-posts")
        layout = getattr(posts_plugin, "layout", None)
        blog = config.plugins.get("material/blog")
        if layout is not None:
            self.posts_prefix = layout.posts_prefix
            self.separator = layout.excerpt_separator
        else:
            self.posts_prefix = self.config.posts_dir.strip("/") + "/"
            if blog is not None:
                self.separator = blog.config.post_excerpt_separator
        self.blog_dir = posixpath.normpath(blog.config.blog_dir) if blog is not None else "blog"
        authors_file = (
            blog.config.authors_file.format(blog=self.blog_dir)
            if blog is not None
            else f"{self.blog_dir}/.authors.yml"
        )
        self.author_names = _author_names(Path(config["docs_dir"]) / authors_file)

    def _is_post(self, src_uri: str) -> bool:
        return src_uri.startswith(self.posts_prefix) and src_uri.endswith(".md")

    @event_priority(-50)  # after execblog-posts turned notebook posts into Markdown
    def on_files(self, files, *, config):
        self.posts = {}
        metas = {}
        for file in files:
            if not self._is_post(file.src_uri):
                continue
            try:
                if file.abs_src_path:
                    front, body, labels = self.sources.get(Path(file.abs_src_path), _read_post)
                else:
                    front, body = _split_front_matter(file.content_string)
                    labels = collect_labels(body)
            except MarkupError as error:
                raise PluginError(f"Label error:\n  {file.src_uri}: {error}") from None
            post_id = post_id_of(file.src_uri)
            title = str(front.get("title") or _first_heading(body))
            self.posts[post_id] = PostLabels(title, file.src_uri, labels)
            metas[post_id] = front
        self.labels_digest = self._labels_digest()
        try:
            self.series = collect_series(self.posts, metas, self.blog_dir)
        except SeriesError as error:
            raise PluginError(f"Series error:\n  {error}") from None
        for series in self.series.values():
            files.append(
                File.generated(
                    config,
                    series.page_src_uri,
                    content=series_page(series),
                    inclusion=InclusionLevel.NOT_IN_NAV,
                )
            )
        return files

    def _labels_digest(self) -> str:
        return hashlib.sha256(repr(sorted(
            (key, post.title, post.src_uri, sorted(post.labels.items()), post.published)
            for key, post in self.posts.items())).encode()).hexdigest()

    @event_priority(-60)  # after the blog plugin (-50) told published posts from the rest
    def on_nav(self, nav, *, config, files):
        """Drafts and posts dated in the future are no part of a series, and a reference
        to one of their labels fails: the blog plugin left their files excluded (except
        under `mkdocs serve` with its draft_on_serve); a series with no part left has no
        page."""
        for post in self.posts.values():
            file = files.get_file_from_path(post.src_uri)
            post.published = file is not None and not file.inclusion.is_excluded()
        self.labels_digest = self._labels_digest()
        for series in self.series.values():
            published = {
                post_id
                for post_id, src_uri in series.sources.items()
                if (file := files.get_file_from_path(src_uri)) is not None
                and not file.inclusion.is_excluded()
            }
            if published == set(series.parts):
                continue
            series.keep(published)
            page_file = files.get_file_from_path(series.page_src_uri)
            if page_file is None:
                continue
            if series.parts:
                page_file.content_string = series_page(series)
            else:
                page_file.inclusion = InclusionLevel.EXCLUDED
        return nav

    def on_page_markdown(self, markdown, *, page, config, files):
        src_uri = page.file.src_uri
        is_post = self._is_post(src_uri)
        if not is_post and "@" not in markdown and "\\label" not in markdown \
                and "[^" not in markdown:
            return markdown
        post_id = post_id_of(src_uri) if is_post else src_uri
        authors = page.meta.get("authors") or []
        names = [self.author_names.get(author, author) for author in authors] or [
            config.site_author or ""
        ]
        info = PostInfo(
            post_id=post_id,
            src_uri=src_uri,
            title=self.posts[post_id].title if post_id in self.posts else (page.title or ""),
            authors=[name for name in names if name],
            date=_as_date(page.meta.get("date")),
            url=(config.site_url or "").rstrip("/") + "/" + page.url.lstrip("/"),
        )
        if not is_post:
            self.posts.setdefault(
                post_id, PostLabels(info.title, src_uri, self._labels(markdown, src_uri))
            )
        cite_box = is_post and self.config.cite_this_post
        # The rewritten Markdown depends on the page's Markdown, what the post says of
        # itself, every post's labels and titles, the bibliography and the options: the
        # same again (a listed post converted for its excerpt at each preview rebuild) is
        # taken from memory.
        key = (hashlib.sha256(markdown.encode()).hexdigest(), repr(info), self.labels_digest,
               self.bibliography_key, config.site_name, cite_box, self.footnotes_marker)
        known = self.rewritten.get(src_uri)
        if known is not None and known[0] == key:
            text, cited = known[1]
        else:
            try:
                text, cited = process(
                    markdown,
                    info=info,
                    posts=self.posts,
                    formatter=self.formatter,
                    site_name=config.site_name,
                    cite_box=cite_box,
                    footnotes_marker=self.footnotes_marker,
                    footnotes_prefix=post_id if is_post else None,
                    kept=self.kept,
                )
            except MarkupError as error:
                raise PluginError(
                    f"Citation or reference error:\n  {self._where(page, config, error)}: "
                    f"{error}"
                ) from None
            self.rewritten[src_uri] = (key, (text, cited))
        self.cited[src_uri] = cited
        for series in self.series.values():
            if post_id in series.parts:
                text = series_box(text, series, post_id, src_uri, self.separator)
        return text

    def on_post_build(self, *, config):
        try:
            self.kept.save()
        except OSError as error:
            raise not_writable(self.kept.path.parent, error) from None

    @event_priority(60)  # before execblog-mathjax typesets the page (50): math as written
    def on_page_content(self, html, *, page, config, files):
        """Keeps a post's footnotes, for the lists of posts whose excerpts refer to them."""
        if self._is_post(page.file.src_uri) and 'class="footnote"' in html:
            for match in _NOTE.finditer(html):
                self.notes[match.group("id")] = match.group(0)
        return html

    @event_priority(10)  # before execblog-mathjax typesets what reached the page (0)
    def on_post_page(self, output, *, page, config):
        """A footnote's marker (its number) and its way back (an arrow) are no words of
        the page: marked for search to leave out. An excerpt's markers point at the post's
        notes, while Material's tooltip shows the note found on the page by the marker's
        #fn:...: the notes an excerpt refers to are copied after it, hidden, their ways
        back leading to the markers of this page (the blog plugin numbers a marker's id
        again each time it renders the excerpt: fnref2:..., fnref3:...)."""
        if 'class="footnote-ref"' not in output:
            return output
        wanted: dict[int, dict[str, list[str]]] = {}  # an article's end -> note -> markers
        for match in _FOREIGN_REF.finditer(output):
            note = match.group("id")
            end = output.find("</article>", match.end())
            if note in self.notes and f'id="{note}"' not in output and end >= 0:
                wanted.setdefault(end, {}).setdefault(note, []).append(match.group("marker"))
        for end in sorted(wanted, reverse=True):
            copies = "\n".join(_backrefs_to(self.notes[note], markers)
                                for note, markers in wanted[end].items())
            block = (f'<div class="footnote excerpt-footnotes" hidden data-search-exclude>'
                     f"<ol>\n{copies}\n</ol></div>\n")
            output = output[:end] + block + output[end:]
        return _NOTE_LINKS.sub(r"\g<0> data-search-exclude", output)

    def _labels(self, markdown: str, src_uri: str) -> dict[str, int]:
        try:
            return collect_labels(markdown)
        except MarkupError as error:
            raise PluginError(f"Label error:\n  {src_uri}: {error}") from None

    def _where(self, page, config, error: MarkupError) -> str:
        """The post's file and, when the snippet is found in it, the line; for a notebook
        post, the notebook and the cell (numbered as Jupyter lists them, from 1)."""
        posts_plugin = config.plugins.get("execblog-posts")
        notebook_post = getattr(posts_plugin, "notebook_post", None)
        notebook = notebook_post(page.file.src_uri) if notebook_post else None
        shown = notebook.source if notebook is not None else page.file.src_uri
        try:  # (a notebook post's file is the Markdown made from the notebook)
            source = Path(page.file.abs_src_path or "").read_text(encoding="utf-8")
        except OSError:
            return shown
        position = source.find(error.snippet)
        if position < 0:
            return shown
        line = source.count("\n", 0, position) + 1
        if notebook is None:
            return f"{shown}:{line}"
        cells = [cell for cell in notebook.cells if cell.markdown_line < line]
        return f"{shown}, cell {cells[-1].number}" if cells else shown


def _footnotes_marker(config) -> str | None:
    """Where Markdown's footnotes extension puts a page's notes when the marker stands in
    the page as a paragraph (its PLACE_MARKER option); None if the extension is off."""
    for name in ("footnotes", "markdown.extensions.footnotes"):
        if name in config.markdown_extensions:
            options = config.mdx_configs.get(name) or {}
            return str(options.get("PLACE_MARKER", "///Footnotes Go Here///"))
    return None


def _author_names(path: Path) -> dict[str, str]:
    """Author key -> name from the blog's authors file (``authors: {key: {name: ...}}``);
    none if there is no file. The blog plugin checks the file's form itself."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        return {}
    except yaml.YAMLError as error:
        raise PluginError(f"execblog-citations: {path} is not valid YAML: {error}") from None
    authors = data.get("authors") if isinstance(data, dict) else None
    if not isinstance(authors, dict):
        return {}
    return {
        str(key): str(value["name"])
        for key, value in authors.items()
        if isinstance(value, dict) and value.get("name")
    }
