"""The API reference: a page per nn module, math rendered, posts listed, autorefs checked."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from mkdocs.utils.yaml import yaml_load

from tests.conftest import ROOT
from tests.site.checks import search_index

MODULES = sorted(p.stem for p in (ROOT / "nn").glob("*.py") if p.stem != "__init__")


def test_every_nn_module_has_a_reference_page_in_the_nav() -> None:
    nav = yaml.dump(yaml_load((ROOT / "mkdocs.yml").read_text())["nav"])
    for module in MODULES:
        page = ROOT / "docs" / "reference" / f"{module}.md"
        assert page.is_file(), f"no reference page for nn.{module}"
        assert f"::: nn.{module}" in page.read_text()
        assert f"reference/{module}.md" in nav, f"reference/{module}.md is not in the nav"


def test_reference_pages_render_docstring_math_and_list_posts(built_site) -> None:
    html = (built_site.site / "reference" / "linear" / "index.html").read_text()
    # The docstrings (not the source listings, which keep their reST) are typeset.
    rendered = re.sub(r'<details class="mkdocstrings-source".*?</details>', "", html, flags=re.S)
    assert "<mjx-container" in rendered and ":math:" not in rendered
    assert "Posts that use" in html and "neural-network-from-scratch" in html
    optim = (built_site.site / "reference" / "optim" / "index.html").read_text()
    assert optim.count("<mjx-container") >= 5


def test_docstring_roles_become_links_and_no_rest_is_left(built_site) -> None:
    for page in sorted((built_site.site / "reference").glob("*/index.html")):
        html = page.read_text()
        rendered = re.sub(r'<details class="mkdocstrings-source".*?</details>', "", html,
                          flags=re.S)
        leftover = re.findall(r":(?:math|class|func|meth|attr|mod):`", rendered)
        assert not leftover, f"{page.parent.name}: reST left in the rendered docstrings"
    # :mod:`nn.special` in GELU's docstring links to the module's page (its anchor is added
    # by hooks/reference.py); :meth:`im2col` in ConvGrid links to the method.
    activations = (built_site.site / "reference" / "activations" / "index.html").read_text()
    assert 'href="../special/#nn.special"' in activations
    im2col = (built_site.site / "reference" / "im2col" / "index.html").read_text()
    assert 'href="#nn.im2col.ConvGrid.im2col"' in im2col


def test_posts_link_to_api_entries(built_site) -> None:
    post = next((built_site.site / "blog").glob("2026/11/20/*/index.html")).read_text()
    assert "reference/linear/#nn.linear.Linear" in post


def test_broken_api_link_fails_the_build(fixture_project: Path, build_fixture) -> None:
    post = fixture_project / "docs/blog/posts/2026-01-05-alpha-descent.md"
    post.write_text(post.read_text().replace(
        "## The loss\n", "## The loss\n\nSee [`Linear`][nn.linear.NoSuchLayer].\n", 1))
    build = build_fixture()
    assert build.returncode != 0
    assert "nn.linear.NoSuchLayer" in build.output


def test_source_listings_stay_out_of_the_search_index(built_fixture) -> None:
    page = (built_fixture.site / "reference" / "linear" / "index.html").read_text()
    assert 'class="mkdocstrings-source"' in page  # the listings are on the page ...
    indexed = search_index(built_fixture.site).get("/reference/linear/")
    assert indexed, "the reference page is not indexed at all"
    assert "Linear" in indexed["content"]
    assert "self.weight.data.T" not in indexed["content"]  # ... but not in the index
