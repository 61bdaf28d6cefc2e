"""Each published post's built page, by its own test (marked ``post``, so the cost grows with
the blog as the posts' own tests do): its links and anchors resolve, its formulas are typeset
with all their glyphs, its images have alt text. The other pages: test_links.py and
test_markup.py, which also show that each check catches its fault."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.site.checks import post_addresses, published
from tests.site.markup import page_problems
from tests.site.test_links import broken_links

pytestmark = pytest.mark.post

POSTS = published(ROOT / "docs")


@cache
def addresses(site: Path) -> dict[str, list[Path]]:
    return post_addresses(site)


@pytest.mark.parametrize("post", POSTS, ids=[post.source.stem for post in POSTS])
def test_post_page_links_math_and_images(post, built_site) -> None:
    site = built_site.site
    pages = addresses(site).get(post.title, [])
    assert len(pages) == 1, f"{post.source.name}: the blog index links {len(pages)} pages " \
                            f"titled {post.title!r}"
    where = pages[0].relative_to(site)
    problems = broken_links(site, pages)
    problems += [f"{where}: {p}" for p in page_problems(pages[0].read_text(encoding="utf-8"))]
    assert not problems, f"{post.source.name}:\n  " + "\n  ".join(problems)
