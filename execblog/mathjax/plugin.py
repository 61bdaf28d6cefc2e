"""`execblog-mathjax`: formulas typeset to SVG at build, no MathJax in the reader's browser."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin, event_priority

from execblog.mathjax import typeset


class MathJaxConfig(base.Config):
    pass


class MathJaxPlugin(BasePlugin[MathJaxConfig]):
    def on_startup(self, *, command, dirty):
        pass  # kept across `mkdocs serve` rebuilds

    def on_pre_build(self, *, config):
        typeset.on_pre_build(config)

    @event_priority(50)  # before the blog plugin cuts excerpts out of a post's content
    def on_page_content(self, html, *, page, config, files):
        return typeset.on_page_content(html, page, config, files)

    def on_post_page(self, output, *, page, config):
        return typeset.on_post_page(output, page, config)

    def on_post_build(self, *, config):
        typeset.on_post_build(config)

    def on_build_error(self, *, error):
        typeset.on_build_error(error)
