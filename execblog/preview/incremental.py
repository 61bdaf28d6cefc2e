"""Fast preview for `make serve`: after a save, rebuild only the pages that can differ.

Stock ``mkdocs serve`` rebuilds every page on every save (about 16 s with a year of posts),
and ``--dirty`` rebuilds only changed files, which leaves the blog's index, archive and
category pages showing stale excerpts and the search index holding only the rebuilt pages
(mkdocs-material issue 8360). With ``mkdocs serve --dirty`` this plugin takes over the
choice (``plan.plan_rebuild``, a pure function):

- a change that can move things around (a post added, removed, retitled, redated,
  recategorised, retagged, re-described or drafted; mkdocs.yml; anything in nn/ or the engine;
  a template or stylesheet) rebuilds everything, as a normal build would;
- otherwise each changed post is rebuilt, with the index, archive and category pages that
  show it (its excerpt and read time appear there), every post whose code or executed
  blocks come from a changed ``snippets/<folder>/``, and every post whose executed blocks
  ran or read a changed file the last time they ran (recorded by execution/deps.py: a
  snippet that imports another post's snippets).

The search index is made from the written site after every build (execblog-search), so
it covers the pages rebuilt now and the ones kept alike.

Under ``mkdocs serve`` (dirty or not) the server is also told of a save by the operating
system rather than by polling, of content changes only (server.py). Under ``serve --dirty``,
after the first build, Python's cyclic garbage collector runs while the preview is idle rather than
in the middle of a rebuild (``IdleCollector``). Outside ``serve --dirty`` the plugin
does nothing else. Only the preview uses it; ``make build`` and CI always build
everything, strictly.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

from execblog import compat
from execblog.execution import deps as execution_deps
from execblog.execution import pool as execution_pool
from execblog.preview import server as preview_server
from execblog.preview.plan import RebuildPlan, changed_files, plan_rebuild

WATCHED_FOR_FULL = ("nn", "execblog", "mkdocs.yml", "overrides", "docs/stylesheets",
                    "docs/javascripts")
LISTING_KEYS = ("date", "categories", "tags", "description", "draft", "slug", "title",
                "authors", "pin")


def drop_dirty_build_warning(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("A 'dirty' build is being performed")


def stop_running_blocks(reason: str) -> int:
    """Stop the executed blocks of the rebuild that is running (a newer save came)."""
    return execution_pool.cancel_running(reason)


def digest(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


# Data files of the docs folder that any page may show: the bibliography (every post's
# References), the authors (every post's byline), a plugin's YAML.
DOCS_DATA = (".bib", ".yml", ".yaml")


def project_digests(root: Path, docs: Path | None = None) -> dict[str, str]:
    """Each watched file's digest, and the docs folder's data files' (``DOCS_DATA``); a file
    whose time and size have not changed since the last rebuild is not read again (the
    execution cache's own record of what it read)."""
    names = []
    if docs is not None and docs.is_dir():
        for folder, _subfolders, files in os.walk(docs):
            relative = os.path.relpath(folder, root)
            names += [os.path.join(relative, file) for file in files
                      if file.endswith(DOCS_DATA)]
    for name in (*WATCHED_FOR_FULL, "snippets"):
        if (root / name).is_file():
            names.append(name)
        for folder, subfolders, files in os.walk(root / name):
            subfolders[:] = [sub for sub in subfolders if sub != "__pycache__"]
            relative = os.path.relpath(folder, root)
            names += [os.path.join(relative, file) for file in files
                      if name != "snippets" or file.endswith(".py")]
    return {name: execution_deps.file_digest(root, name) for name in names}


def post_signature(post, separator: str) -> tuple[str, str, str]:
    listing = {key: post.meta.get(key) for key in LISTING_KEYS}
    heading = re.search(r"^# (.+)$", post.markdown, re.MULTILINE)
    listing["heading"] = heading.group(1) if heading else None
    excerpt = post.markdown.split(separator, 1)[0]
    return (digest(json.dumps(listing, default=str, sort_keys=True)), digest(excerpt),
            digest(post.markdown))


def pages(files) -> list:
    """Every file that is a page, posts and views included (the blog plugin keeps them out of
    ``documentation_pages()``'s default selection)."""
    return [file for file in files if file.is_documentation_page() and file.page is not None]


class IdleCollector:
    """Runs Python's cyclic garbage collector between preview rebuilds, not during them.

    At a year of posts a full collection takes about 0.3 s (some 300,000 objects: the
    pages, the caches), and Python starts one whenever enough objects have been made,
    which during a rebuild is every few saves: a save's refresh then took 0.3 s longer.
    After the first build automatic collection is off; each rebuild's garbage is collected
    ``delay`` seconds after it ends (the browser has reloaded by then) unless another
    rebuild has started, and before a rebuild if ``most`` rebuilds went by without one.
    """

    def __init__(self, delay: float = 0.5, most: int = 4) -> None:
        self.delay, self.most = delay, most
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self.building = False
        self.uncollected = 0  # rebuilds since the last collection

    def build_starts(self) -> None:
        with self.lock:
            self.building = True
            if self.timer is not None:
                self.timer.cancel()
            if self.uncollected >= self.most:
                self._collect()

    def build_ends(self) -> None:
        gc.disable()
        with self.lock:
            self.building = False
            self.uncollected += 1
            self.timer = threading.Timer(self.delay, self.collect_if_idle)
            self.timer.daemon = True
            self.timer.start()

    def collect_if_idle(self) -> None:
        with self.lock:
            if not self.building:
                self._collect()

    def _collect(self) -> None:
        gc.collect()
        self.uncollected = 0


def depending_on(config) -> Callable[[set[str]], set[str]]:
    """The pages whose executed blocks ran or read given files, from execblog-execution
    (none without it)."""
    execution = config.plugins.get("execblog-execution")
    if execution is None:
        return lambda changed: set()
    return execution.execution.pages_depending_on


class Incremental:
    """The preview's memory of the last build, kept by execblog-preview across rebuilds."""

    def __init__(self) -> None:
        self.active = False  # `mkdocs serve --dirty`
        self.server = preview_server.Preview()
        self.collector = IdleCollector()
        self.snapshot: dict[str, tuple[str, str, str]] | None = None  # post -> signature
        self.project: dict[str, str] | None = None  # watched file -> digest
        self.plan: RebuildPlan | None = None  # what the current build writes
        self.rebuilt: set[str] = set()  # page URLs written by the current build
        self.populate_only: list = []  # posts read for their excerpts but not written
        self.autorefs: dict | None = None  # autorefs' maps after the last build
        self.rendered: dict[str, tuple] = {}  # page -> (Markdown digest, what render set)
        self.pages: set[str] = set()  # the pages' files in site_dir after the last build
        self.building: set[str] = set()  # ... and after this one
        # The theme's static files found by earlier builds: (theme folders, static
        # templates, files of the theme folders inside the project) -> [(path, folder)].
        self.theme_listings: dict[tuple, list[tuple[str, str]]] = {}

    @property
    def full(self) -> bool:
        return self.plan is None or self.plan.full

    def on_startup(self, command, dirty) -> None:
        self.active = command == "serve" and dirty
        if self.active:
            compat.cache_theme_listing(self.add_files_from_theme)
            # MkDocs warns about every dirty build, which strict mode turns into an abort;
            # this plugin is what makes the dirty build safe, so that one warning is dropped
            # and the preview stays as strict as `make build`.
            logging.getLogger("mkdocs.commands.build").addFilter(drop_dirty_build_warning)

    def on_serve(self, server):
        preview_server.attach(server, stop_running_blocks, self.server)
        return server

    def add_files_from_theme(self, files, env, config, original_add_files_from_theme) -> None:
        """``Files.add_files_from_theme`` without walking the installed theme on every save.

        MkDocs lists every file of the theme's folders on each build, and Material's include
        some 10,000 icons: a sixth of a second of each preview rebuild at a year of posts. The
        installed theme does not change while the preview runs; the project's own theme folder
        (``overrides/``) is listed each time and is part of the key. The result is MkDocs'
        own (tests/hooks/test_serve_watch.py compares them)."""
        dirs = [str(folder) for folder in config.theme.dirs]
        project = Path(config.config_file_path).resolve().parent
        own = tuple(sorted(str(path) for folder in dirs
                           if Path(folder).resolve().is_relative_to(project)
                           for path in Path(folder).rglob("*")))
        key = (tuple(dirs), tuple(config.theme.static_templates), own)
        if key not in self.theme_listings:
            found = type(files)([])
            original_add_files_from_theme(found, env, config)
            self.theme_listings.clear()
            self.theme_listings[key] = [(file.src_uri, file.src_dir) for file in found]
        for path, folder in self.theme_listings[key]:
            if files.get_file_from_path(path) is None:
                files.append(File(path, folder, config.site_dir, config.use_directory_urls))


    def on_nav(self, nav, config, files):
        if not self.active:
            return nav
        from material.plugins.blog.structure import View

        blog = config.plugins.get("material/blog")
        separator = blog.config.post_excerpt_separator
        posts = {post.file.src_uri: post for post in blog.blog.posts}
        snapshot = {src: post_signature(post, separator) for src, post in posts.items()}
        project = project_digests(Path(config.config_file_path).resolve().parent,
                                  Path(config.docs_dir))
        views = {str(id(file.page)): file.page for file in pages(files)
                 if isinstance(file.page, View)}
        plan = plan_rebuild(
            self.snapshot, snapshot, changed_files(self.project, project),
            {src: post.markdown for src, post in posts.items()},
            depending_on(config),
            {key: [p.file.src_uri for p in compat.shown_posts(blog, view)]
             for key, view in views.items()})
        self.snapshot, self.project, self.plan = snapshot, project, plan
        self.rebuilt = set()
        self.populate_only = []
        if plan.full:  # every page counts as modified: a normal, complete build
            for file in pages(files):
                compat.force_modified(file, True)
            return nav
        for file in pages(files):
            page = file.page
            if isinstance(page, View):
                modified = str(id(page)) in plan.views
            elif file.src_uri in posts:
                modified = file.src_uri in plan.posts
                if not modified and file.src_uri in plan.listed:
                    compat.force_modified(file, True)  # until on_env: converted, not written
                    self.populate_only.append(file)
                    # Its Markdown has not changed: last build's conversion is still right.
                    compat.reuse_render(page, self.render_from_memory)
                    continue
            else:
                modified = file.is_modified()  # other pages: MkDocs' own test (mtime)
            compat.force_modified(file, modified)
            if modified:
                self.rebuilt.add(page.url)
            elif page.markdown is None:
                # MkDocs reads a page only to rebuild it, but rebuilt pages show the titles
                # of others (navigation, previous/next): without this, archive and category
                # entries would read "None" (the corruption of mkdocs-material issue 8360).
                page.read_source(config)
        return nav

    def render_from_memory(self, page, config, files) -> None:
        """Page.render for a post read only for its excerpt: reuse last build's conversion."""
        kept = self.rendered.get(page.file.src_uri)
        if kept and kept[0] == digest(page.markdown):
            for name, value in zip(compat.RENDERED, kept[1:], strict=True):
                setattr(page, name, value)
        else:
            Page.render(page, config, files)

    def on_page_content(self, html, page) -> str:
        if self.active:
            self.rendered[page.file.src_uri] = (
                digest(page.markdown), *(getattr(page, name, None) for name in compat.RENDERED))
        return html

    def on_env(self, env, config, files):
        # Between reading all pages and writing them: the posts read only for their
        # excerpts are not written again.
        for file in self.populate_only:
            compat.force_modified(file, False)
        if self.active:
            self.building = {file.dest_uri for file in pages(files)}
            # Autorefs learns where each API object lives while rendering the reference
            # pages; pages not rebuilt now keep what an earlier build learnt.
            autorefs = config.plugins.get("autorefs")
            if autorefs is not None and self.autorefs:
                compat.restore_autorefs(autorefs, self.autorefs)
        return env

    def on_pre_build(self) -> None:
        if self.active:
            self.collector.build_starts()

    def on_build_error(self) -> None:
        if self.active:
            self.collector.build_ends()

    def on_post_build(self, config) -> None:
        if not self.active:
            return
        self.collector.build_ends()
        # A page that is no longer built (a post retitled, removed or turned back into a
        # draft) would stay in the preview and in its search index: remove its file.
        site = Path(config.site_dir)
        for orphan in self.pages - self.building:
            (site / orphan).unlink(missing_ok=True)
        self.pages = self.building
        autorefs = config.plugins.get("autorefs")
        if autorefs is not None:
            self.autorefs = compat.autorefs_maps(autorefs)
