"""`execblog-posts`: posts' front matter, notebook posts, snippet sections, lists of posts."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from execblog.posts import frontmatter, listings, notebooks, reference, snippets


class PostsConfig(base.Config):
    # Read `.ipynb` and percent-format `.py` files in the posts folder as posts.
    notebooks = c.Type(bool, default=True)


class PostsPlugin(BasePlugin[PostsConfig]):
    def on_startup(self, *, command, dirty):
        pass  # kept across `mkdocs serve` rebuilds

    @event_priority(100)  # before the blog plugin reads the posts
    def _check_front_matter(self, config):
        return frontmatter.on_config(config)

    def _check_snippets(self, config):
        return snippets.on_config(config)

    on_config = CombinedEvent(_check_front_matter, _check_snippets)

    @event_priority(100)  # before the blog plugin collects its posts
    def on_files(self, files, *, config):
        if self.config.notebooks:
            return notebooks.on_files(files, config)
        return files

    def on_pre_build(self, *, config):
        listings.on_pre_build(config)

    def on_page_markdown(self, markdown, *, page, config, files):
        for step in (snippets, listings, reference):
            result = step.on_page_markdown(markdown, page, config, files)
            if result is not None:
                markdown = result
        return markdown
