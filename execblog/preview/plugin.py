"""`execblog-preview`: under `mkdocs serve`, rebuild what a save can change, once per change."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin, event_priority

from execblog.preview import incremental


class PreviewConfig(base.Config):
    pass


class PreviewPlugin(BasePlugin[PreviewConfig]):
    def on_startup(self, *, command, dirty):
        incremental.on_startup(command, dirty)

    def on_serve(self, server, *, config, builder):
        return incremental.on_serve(server, config, builder)

    def on_pre_build(self, *, config):
        incremental.on_pre_build(config)

    def on_nav(self, nav, *, config, files):
        return incremental.on_nav(nav, config, files)

    @event_priority(200)  # first: `html` is still exactly what Page.render produced
    def on_page_content(self, html, *, page, config, files):
        return incremental.on_page_content(html, page, config, files)

    @event_priority(50)  # before autorefs resolves cross-references, in its own on_env
    def on_env(self, env, *, config, files):
        return incremental.on_env(env, config, files)

    def on_build_error(self, *, error):
        incremental.on_build_error(error)

    def on_post_build(self, *, config):
        incremental.on_post_build(config)
