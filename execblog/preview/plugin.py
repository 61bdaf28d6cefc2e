"""`execblog-preview`: under `mkdocs serve`, rebuild what a save can change, once per change.

MkDocs keeps this plugin (it has ``on_startup``) across the server's rebuilds, and with it
the preview's memory of the last build (``incremental.Incremental``).
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin, event_priority

from execblog.preview.incremental import Incremental


class PreviewConfig(base.Config):
    pass


class PreviewPlugin(BasePlugin[PreviewConfig]):
    def __init__(self) -> None:
        self.incremental = Incremental()

    def on_startup(self, *, command, dirty):
        self.incremental.on_startup(command, dirty)

    def on_serve(self, server, *, config, builder):
        return self.incremental.on_serve(server)

    def on_pre_build(self, *, config):
        self.incremental.on_pre_build()

    def on_nav(self, nav, *, config, files):
        return self.incremental.on_nav(nav, config, files)

    @event_priority(200)  # first: `html` is still exactly what Page.render produced
    def on_page_content(self, html, *, page, config, files):
        return self.incremental.on_page_content(html, page)

    @event_priority(50)  # before autorefs resolves cross-references, in its own on_env
    def on_env(self, env, *, config, files):
        return self.incremental.on_env(env, config, files)

    def on_build_error(self, *, error):
        self.incremental.on_build_error()

    def on_post_build(self, *, config):
        self.incremental.on_post_build(config)
