"""`execblog-mathjax`: formulas typeset to SVG at build, no MathJax in the reader's browser.

Options (mkdocs.yml, under `- execblog-mathjax:`) are ``MathJaxConfig``; the renderer (a
Node process, started only for formulas the cache does not have) lives on the plugin for
one build, from ``on_pre_build`` to ``on_post_build`` (or the build's error).
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger

from execblog.mathjax import typeset

log = get_plugin_logger(__name__)


class MathJaxConfig(base.Config):
    # What a screen reader gets of a formula: "speech", the SVG named by the words Speech
    # Rule Engine says for it ("x squared plus a over b"); or "mathml", MathJax's default,
    # the SVG hidden beside a MathML copy clipped to a pixel (some ten elements a formula).
    assistive = c.Choice(("speech", "mathml"), default="speech")
    # The language of those words (a locale Speech Rule Engine has: en, de, fr, es...).
    speech_locale = c.Type(str, default="en")
    # Each glyph placed by one transform instead of MathJax's nested groups: the same
    # drawing in about half the elements.
    flatten = c.Type(bool, default=True)
    # Display formulas off the screen are not laid out until the reader scrolls near them
    # (CSS content-visibility), each keeping its formula's height meanwhile.
    skip_offscreen = c.Type(bool, default=True)
    # The glyphs a formula places side by side drawn as one outline (one <path> instead of
    # a <use> per glyph): fewer elements to style and lay out, but the outlines written out
    # in each formula are most of a math post's bytes (gzip's window is too short to find
    # their repeats). "inline": the formulas in the text only, which are all laid out as the
    # page loads (display formulas off the screen are skipped until drawn); true: all; false:
    # none. Measured side by side in benchmarks/RESULTS.md.
    merge_glyphs = c.Choice((False, True, "inline"), default="inline")


class MathJaxPlugin(BasePlugin[MathJaxConfig]):
    renderer: typeset.Renderer | None = None

    def on_config(self, config):
        if not self.config.speech_locale.isalpha():
            raise PluginError(f"mkdocs.yml: execblog-mathjax's speech_locale must be a "
                              f"language code such as 'en', not {self.config.speech_locale!r}")
        return config

    def on_pre_build(self, *, config):
        self.renderer = typeset.Renderer(typeset.MathJaxOptions(
            assistive=self.config.assistive, locale=self.config.speech_locale,
            flatten=self.config.flatten))

    @event_priority(50)  # before the blog plugin cuts excerpts out of a post's content
    def on_page_content(self, html, *, page, config, files):
        return typeset.typeset(html, f"docs/{page.file.src_path}", self.renderer)

    def on_post_page(self, output, *, page, config):
        return typeset.post_page(output, f"docs/{page.file.src_path}", self.renderer,
                                 self.config.skip_offscreen, self.config.merge_glyphs)

    def on_post_build(self, *, config):
        if self.renderer:
            done, self.renderer = self.renderer, None
            log.info(f"MathJax: {done.rendered} formulas rendered, {done.cached} from cache")
            done.close()

    def on_build_error(self, *, error):
        if self.renderer:
            done, self.renderer = self.renderer, None
            try:
                done.close()
            except PluginError:
                pass  # the error that stopped the build is the one to report
