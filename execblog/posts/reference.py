"""API reference pages: an anchor for each module.

Each page renders one module with ``::: <package>.<module>`` and no root heading, so
mkdocstrings gives the module itself no anchor; the posts plugin puts an autorefs anchor
(``[](){#nn.<module>}``) there, so that ``[`nn.special`][nn.special]`` (or
``:mod:`nn.special``` in a docstring) links to the page. Pages in the plugin's ``api_dir``
only.

(The source listings of these pages are kept out of the search index by execblog-search.)
"""

from __future__ import annotations

import re

DIRECTIVE = re.compile(r"^::: (?P<module>[A-Za-z_]\w*(?:\.\w+)*)[ \t]*$", re.MULTILINE)


def with_anchors(markdown: str, src_uri: str, api_dir: str | None) -> str:
    """``markdown`` of the page ``src_uri`` with an anchor before each ``:::`` directive,
    when the page is in ``api_dir`` (a folder of docs/; ``None``: no page is)."""
    if api_dir is None or not src_uri.startswith(api_dir.strip("/") + "/"):
        return markdown
    return DIRECTIVE.sub(lambda m: f"[](){{#{m['module']}}}\n\n{m.group(0)}", markdown)
