"""API reference pages: an anchor for each module.

Each page renders one module with ``::: <package>.<module>`` and no root heading, so
mkdocstrings gives the module itself no anchor; the posts plugin puts an autorefs anchor
(``[](){#nn.<module>}``) there, so that ``[`nn.special`][nn.special]`` (or
``:mod:`nn.special``` in a docstring) links to the page. Pages in the plugin's ``api_dir``
only. autorefs renders that anchor as a link with an empty ``href`` and no text, which a
screen reader announces as a nameless link (axe-core's link-name, a WCAG 2.2 A failure):
``without_empty_links`` keeps its ``id`` and drops the ``href`` once the page is HTML.

(The source listings of these pages are kept out of the search index by execblog-search.)
"""

from __future__ import annotations

import re

DIRECTIVE = re.compile(r"^::: (?P<module>[A-Za-z_]\w*(?:\.\w+)*)[ \t]*$", re.MULTILINE)
EMPTY_LINK_ANCHOR = re.compile(r'<a href="" id="(?P<module>[A-Za-z_]\w*(?:\.\w+)*)"></a>')


def with_anchors(markdown: str, src_uri: str, api_dir: str | None) -> str:
    """``markdown`` of the page ``src_uri`` with an anchor before each ``:::`` directive,
    when the page is in ``api_dir`` (a folder of docs/; ``None``: no page is)."""
    if api_dir is None or not src_uri.startswith(api_dir.strip("/") + "/"):
        return markdown
    return DIRECTIVE.sub(lambda m: f"[](){{#{m['module']}}}\n\n{m.group(0)}", markdown)


def without_empty_links(html: str, src_uri: str, api_dir: str | None) -> str:
    """The page's HTML with each module anchor an ``<a id>`` rather than an empty link."""
    if api_dir is None or not src_uri.startswith(api_dir.strip("/") + "/"):
        return html
    return EMPTY_LINK_ANCHOR.sub(r'<a id="\g<module>"></a>', html)
