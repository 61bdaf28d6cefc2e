"""`execblog-build`: the build as a whole (first in `plugins:`)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.plugins import BasePlugin, event_priority

from execblog import compat
from execblog.build.guard import Guard
from execblog.build.highlight_cache import HighlightCache
from execblog.execution import cache as execution_cache
from execblog.options import project_path


class BuildConfig(base.Config):
    # Where every cache of the build is kept (executed blocks, formulas, compiled templates,
    # notebook posts' Markdown, the build lock), relative to mkdocs.yml's folder. Entries are
    # keyed on content, so copies of a project may share one.
    cache_dir = c.Type(str, default=".cache")


class BuildPlugin(BasePlugin[BuildConfig]):
    def __init__(self) -> None:
        self.guard = Guard()
        self.highlighting: HighlightCache | None = None  # kept across `serve` rebuilds

    def on_startup(self, *, command, dirty):
        self.guard.on_startup(command, dirty)

    def cache_root(self, config) -> Path:
        return project_path(config, self.config.cache_dir)

    @event_priority(1000)  # first: before anything writes a cache or reads config.site_dir
    def on_config(self, config):
        execution_cache.use_root(self.cache_root(config))
        config = self.guard.on_config(config) or config
        compat.install_build_speedups(self.cache_root(config) / "jinja")
        path = self.cache_root(config) / "highlight.sqlite"
        if self.highlighting is None or self.highlighting.path != path:
            self.highlighting = HighlightCache(path)
        compat.cache_highlighting(self.highlighting)
        return config

    @event_priority(-1000)  # after everything that writes into the site (search: -100)
    def on_post_build(self, *, config):
        if self.highlighting is not None:
            self.highlighting.save()
        self.guard.on_post_build(config)

    def on_build_error(self, *, error):
        self.guard.on_build_error(error)

    def on_shutdown(self):
        compat.cache_highlighting(None)
        if self.highlighting is not None:
            self.highlighting.db.close()
            self.highlighting = None
        self.guard.on_shutdown()
