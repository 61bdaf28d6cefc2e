"""`execblog-posts`: posts' front matter, notebook posts, snippet sections, lists of posts.

Options (mkdocs.yml, under `- execblog-posts:`) are ``PostsConfig``; what the plugin keeps
across `mkdocs serve` rebuilds (front matter, snippet sections and notebooks read once per
version of their file) is on the instance, created at ``on_startup``. Where the posts are,
their excerpt separator and categories come from Material's blog plugin: ``self.layout``
(a ``BlogLayout``) is how other plugins can read them.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger

from execblog.filememo import FileMemo
from execblog.options import Count, project_path
from execblog.posts import frontmatter, highlight, listings, notebooks, reference, snippets
from execblog.posts.layout import BlogLayout

log = get_plugin_logger(__name__)


class Folder(c.Type):
    """A non-empty path, relative to mkdocs.yml's folder."""

    def __init__(self, default: str | None = None) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"expected a folder (a path relative to mkdocs.yml's "
                                  f"folder), got {value!r}")
        return value


class PostsConfig(base.Config):
    # Read `.ipynb` and percent-format `.py` files in the posts' folder as posts.
    notebooks = c.Type(bool, default=True)
    # Where notebook posts' generated Markdown is written (in `notebook-posts/`, a folder
    # per checkout), relative to mkdocs.yml's folder.
    cache_dir = Folder(default=".cache")
    # How many posts `<!-- latest-posts -->` lists (the home page's latest posts).
    latest = Count(1, default=listings.LATEST)
    # The Python package whose modules `<!-- used-by:module -->` lists the posts of: a
    # folder relative to mkdocs.yml's, named as the package (unset: no page may ask).
    code_dir = c.Optional(c.Dir(exists=True))
    # The folder of each post's snippets, one folder per post named as its slug with `_`
    # for `-`: a post whose snippets use a module is listed as using it.
    snippets_dir = c.Optional(c.Dir(exists=True))
    # The folder of docs/ whose pages render modules with `::: package.module`: each
    # module gets an anchor that autorefs can link to (unset: no page).
    api_dir = c.Optional(c.Type(str))
    # Pygments' token kinds whose spans are dropped from highlighted code, their text kept:
    # those the theme draws in the code's own colour (highlight.py). Empty: keep every span.
    plain_tokens = c.ListOfItems(c.Type(str), default=list(highlight.PLAIN))
    # Groups of token kinds the theme draws alike: a run of one group's tokens shares a span.
    alike_tokens = c.ListOfItems(c.ListOfItems(c.Type(str)),
                                 default=[list(group) for group in highlight.ALIKE])
    # Code blocks off the screen are not laid out until the reader nears them, each keeping
    # the height of its lines meanwhile (each <pre> told its line count; extra.css skips).
    skip_offscreen = c.Type(bool, default=True)


class PostsPlugin(BasePlugin[PostsConfig]):
    # What the plugin keeps across builds (on_startup), and what it read of this build.
    front_matter: frontmatter.FrontMatterCache | None = None
    snippet_sections: FileMemo | None = None
    notebook_posts: notebooks.NotebookPosts | None = None
    layout: BlogLayout | None = None
    listings: listings.Listings | None = None
    snippet_checker: snippets.SnippetChecker | None = None

    def on_startup(self, *, command, dirty):
        # Created once: MkDocs keeps this instance across `mkdocs serve` rebuilds.
        self.front_matter = frontmatter.FrontMatterCache()
        self.snippet_sections = FileMemo()

    def _keep(self) -> None:
        """The state of on_startup, for a build started without it (a script's build)."""
        if self.front_matter is None:
            self.on_startup(command="build", dirty=False)

    @event_priority(100)  # before the blog plugin reads the posts
    def _check_front_matter(self, config):
        self._keep()
        self.layout = layout = BlogLayout.from_config(config)
        log.debug("posts in %s, excerpts up to %r", layout.posts_path,
                  layout.excerpt_separator)
        out_dir = project_path(config, self.config.cache_dir) / "notebook-posts"
        if self.notebook_posts is None or self.notebook_posts.out_dir != out_dir:
            self.notebook_posts = notebooks.NotebookPosts(out_dir)
        frontmatter.validate_posts(layout.docs_dir, layout.categories_allowed,
                                   layout.posts_dir, root=layout.root,
                                   cache=self.front_matter)
        self.listings = listings.Listings(
            layout.docs_dir, layout.posts_dir, self.config.latest,
            Path(self.config.code_dir) if self.config.code_dir else None,
            Path(self.config.snippets_dir) if self.config.snippets_dir else None,
            self.front_matter)
        return config

    def _check_snippets(self, config):
        self.snippet_checker = None
        if "pymdownx.snippets" in config.markdown_extensions:
            self.snippet_checker = snippets.checker_for(config, self.snippet_sections)
        return config

    on_config = CombinedEvent(_check_front_matter, _check_snippets)

    @event_priority(100)  # before the blog plugin collects its posts
    def on_files(self, files, *, config):
        if self.config.notebooks:
            return self.notebook_posts.on_files(files, config, self.layout.posts_prefix,
                                                self.layout.docs_prefix)
        return files

    def notebook_post(self, src_uri: str) -> notebooks.NotebookPost | None:
        """The notebook a generated post of this build came from (``None``: not one)."""
        if self.notebook_posts is None:
            return None
        return self.notebook_posts.posts.get(src_uri)

    def on_pre_build(self, *, config):
        self.listings.start_build()  # read the posts again at each build (`mkdocs serve`)

    def on_page_markdown(self, markdown, *, page, config, files):
        src = page.file.src_path
        if self.snippet_checker is not None:
            snippets.check_page(self.snippet_checker, markdown, self.layout.docs_prefix + src)
        if listings.USED_BY.search(markdown) and self.config.code_dir is None:
            raise PluginError(f"{self.layout.docs_prefix}{src}: <!-- used-by:... --> needs "
                              "the option code_dir of execblog-posts (the package whose "
                              "modules it names), which is not set in mkdocs.yml")
        markdown = self.listings.page_markdown(markdown, src)
        return reference.with_anchors(markdown, page.file.src_uri, self.config.api_dir)

    def on_page_content(self, html, *, page, config, files):
        html = highlight.lighten(html, tuple(self.config.plain_tokens),
                                 tuple(map(tuple, self.config.alike_tokens)))
        if self.config.skip_offscreen:
            html = highlight.with_line_counts(html)
        return reference.without_empty_links(html, page.file.src_uri, self.config.api_dir)
