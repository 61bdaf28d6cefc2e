"""`execblog-search`: a chunked search index written from the built pages (last in `plugins:`)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin, event_priority

from execblog.search import index


class SearchConfig(base.Config):
    pass


class SearchPlugin(BasePlugin[SearchConfig]):
    def on_startup(self, *, command, dirty):
        index.on_startup(command, dirty)

    @event_priority(-50)  # after the other plugins have written the page
    def on_post_page(self, output, *, page, config):
        return index.on_post_page(output, page, config)

    def on_shutdown(self):
        index.on_shutdown()

    @event_priority(-100)  # last: every page is written
    def on_post_build(self, *, config):
        index.on_post_build(config)
