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
        # Opened at each build and closed at its end: `mkdocs serve` rebuilds in another
        # thread than its first build, and a SQLite connection stays in its own thread.
        self.highlighting: HighlightCache | None = None

    def on_startup(self, *, command, dirty):
        self.guard.on_startup(command, dirty)

    def cache_root(self, config) -> Path:
        return project_path(config, self.config.cache_dir)

    @event_priority(1000)  # first: before anything writes a cache or reads config.site_dir
    def on_config(self, config):
        execution_cache.use_root(self.cache_root(config))
        config = self.guard.on_config(config) or config
        compat.install_build_speedups(self.cache_root(config) / "jinja")
        self._close_highlighting()
        self.highlighting = HighlightCache(self.cache_root(config) / "highlight.sqlite")
        compat.cache_highlighting(self.highlighting)
        return config

    def _close_highlighting(self, save: bool = False) -> None:
        if self.highlighting is not None:
            try:
                if save:
                    self.highlighting.save()
            finally:
                compat.cache_highlighting(None)
                self.highlighting.db.close()
                self.highlighting = None

    @event_priority(-1000)  # after everything that writes into the site (search: -100)
    def on_post_build(self, *, config):
        self._close_highlighting(save=True)
        self.guard.on_post_build(config)

    def on_build_error(self, *, error):
        self._close_highlighting()
        self.guard.on_build_error(error)

    def on_shutdown(self):
        self._close_highlighting()
        self.guard.on_shutdown()
