"""Where a blog keeps its posts, read from the configuration of Material's blog plugin.

``BlogLayout`` is what the posts plugin knows of the blog it serves, typed: the folders
(``blog_dir`` and ``post_dir`` of the blog plugin, as that plugin resolves them), its
excerpt separator (``post_excerpt_separator``) and its categories' allow-list. Other
plugins get it from ``PostsPlugin.layout`` instead of hard-coding ``blog/posts`` or
``<!-- more -->``.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

# The blog plugin's own defaults (material/plugins/blog/config.py), for a site without it.
DEFAULT_BLOG_DIR = "blog"
DEFAULT_POST_DIR = "{blog}/posts"
DEFAULT_EXCERPT_SEPARATOR = "<!-- more -->"


@dataclass(frozen=True)
class BlogLayout:
    root: Path  # the folder of mkdocs.yml
    docs_dir: Path
    posts_dir: str  # the posts' folder, relative to docs_dir, with "/" (e.g. "blog/posts")
    excerpt_separator: str = DEFAULT_EXCERPT_SEPARATOR
    categories_allowed: tuple[str, ...] = ()  # empty: any category (as the blog plugin)

    @classmethod
    def from_config(cls, config) -> BlogLayout:
        """The layout of the site ``config`` describes (a ``MkDocsConfig``)."""
        root = Path(os.path.abspath(config.config_file_path or "mkdocs.yml")).parent
        blog = config.plugins.get("material/blog")
        if blog is None:
            blog_dir, post_dir = DEFAULT_BLOG_DIR, DEFAULT_POST_DIR
            separator, allowed = DEFAULT_EXCERPT_SEPARATOR, ()
        else:
            options = blog.config
            blog_dir, post_dir = options.blog_dir, options.post_dir
            separator = options.post_excerpt_separator
            allowed = tuple(options.categories_allowed or ())
        # As the blog plugin resolves its posts' folder (BlogPlugin._resolve_posts).
        posts_dir = posixpath.normpath(post_dir.format(blog=posixpath.normpath(blog_dir)))
        return cls(root, Path(config.docs_dir), posts_dir, separator, allowed)

    @property
    def posts_path(self) -> Path:
        return self.docs_dir / self.posts_dir

    @property
    def posts_prefix(self) -> str:
        """The ``src_uri`` prefix of a post directly in the posts' folder."""
        return "" if self.posts_dir == "." else self.posts_dir + "/"

    @property
    def docs_prefix(self) -> str:
        """How messages name the docs folder: relative to mkdocs.yml's folder when inside it
        (``docs/``), absolute otherwise."""
        return self.where(self.docs_dir) + "/"

    def where(self, path: Path) -> str:
        """``path`` as messages name it: relative to mkdocs.yml's folder when inside it."""
        path = Path(os.path.abspath(path))
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
