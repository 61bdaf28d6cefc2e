"""API reference pages: an anchor for each module.

Each page renders one module with ``::: nn.<module>`` and no root heading, so mkdocstrings
gives the module itself no anchor; this hook puts an autorefs anchor (``[](){#nn.<module>}``)
there, so that ``[`nn.special`][nn.special]`` (or ``:mod:`nn.special``` in a docstring)
links to the page.

(The source listings of these pages are kept out of the search index by hooks/search.py.)
"""

from __future__ import annotations

import re

DIRECTIVE = re.compile(r"^::: (?P<module>nn(?:\.\w+)*)[ \t]*$", re.MULTILINE)


def on_page_markdown(markdown, page, config, files):
    if not page.file.src_uri.startswith("reference/"):
        return markdown
    return DIRECTIVE.sub(lambda m: f"[](){{#{m['module']}}}\n\n{m.group(0)}", markdown)

