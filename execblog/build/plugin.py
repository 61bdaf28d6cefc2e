"""`execblog-build`: the build as a whole (first in `plugins:`)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin, event_priority

from execblog.build import guard, speed  # noqa: F401  (speed patches Material at import)


class BuildConfig(base.Config):
    pass


class BuildPlugin(BasePlugin[BuildConfig]):
    def on_startup(self, *, command, dirty):
        guard.on_startup(command, dirty)

    @event_priority(1000)  # first: before anything writes a cache or reads config.site_dir
    def on_config(self, config):
        return guard.on_config(config)

    @event_priority(-1000)  # after everything that writes into the site (search: -100)
    def on_post_build(self, *, config):
        guard.on_post_build(config)

    def on_build_error(self, *, error):
        guard.on_build_error(error)

    def on_shutdown(self):
        guard.on_shutdown()
