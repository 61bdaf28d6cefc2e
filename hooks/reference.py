"""API reference pages: their source listings stay on the page but out of the search index.

mkdocstrings shows each object's source in a collapsed block; indexed, those listings would
make up nearly half of the search index that every page downloads, and a search for a word
would land on code rather than on the docstring that explains it.
"""

from __future__ import annotations

SOURCE_BLOCK = '<details class="mkdocstrings-source"'


def on_page_content(html, page, config, files):
    if page.file.src_uri.startswith("reference/") and SOURCE_BLOCK in html:
        html = html.replace(SOURCE_BLOCK, SOURCE_BLOCK + " data-search-exclude")
    return html
