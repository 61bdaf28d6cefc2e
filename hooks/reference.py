"""API reference pages: module anchors, and source listings kept out of the search index.

Each page renders one module with ``::: nn.<module>`` and no root heading, so mkdocstrings
gives the module itself no anchor; this hook puts an autorefs anchor (``[](){#nn.<module>}``)
there, so that ``[`nn.special`][nn.special]`` (or ``:mod:`nn.special``` in a docstring)
links to the page.

mkdocstrings shows each object's source in a collapsed block; indexed, those listings would
make up nearly half of the search index that every page downloads, and a search for a word
would land on code rather than on the docstring that explains it.
"""

from __future__ import annotations

import re

DIRECTIVE = re.compile(r"^::: (?P<module>nn(?:\.\w+)*)[ \t]*$", re.MULTILINE)

SOURCE_BLOCK = '<details class="mkdocstrings-source"'


def on_page_markdown(markdown, page, config, files):
    if not page.file.src_uri.startswith("reference/"):
        return markdown
    return DIRECTIVE.sub(lambda m: f"[](){{#{m['module']}}}\n\n{m.group(0)}", markdown)


def on_page_content(html, page, config, files):
    if page.file.src_uri.startswith("reference/") and SOURCE_BLOCK in html:
        html = html.replace(SOURCE_BLOCK, SOURCE_BLOCK + " data-search-exclude")
    return html
