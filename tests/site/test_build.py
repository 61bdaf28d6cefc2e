"""The strict build is the first test; each fault injected into a copy of the fixture site
must fail it by name. The real blog is built once, strictly, and read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

POST = "docs/blog/posts/2026-01-05-alpha-descent.md"
POST_NAME = Path(POST).name


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text()
    assert old in text, f"fault injection: {old!r} not found in {relative}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.always  # the build's log is no file of the project it reads
def test_real_site_builds_strictly(built_site) -> None:
    assert (built_site.site / "index.html").is_file()
    assert "MathJax:" in built_site.output


def test_control_copy_builds(build_fixture) -> None:
    # The fault tests below mean something only if an unbroken copy builds.
    build = build_fixture()
    assert build.returncode == 0, build.output


def assert_fails_naming(build, *fragments: str) -> None:
    assert build.returncode != 0, "the build should have failed:\n" + build.output
    for fragment in fragments:
        assert fragment in build.output, f"{fragment!r} not in build output:\n{build.output}"


def test_missing_date_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "date: 2026-01-05\n", "")
    assert_fails_naming(build_fixture(), POST_NAME, "missing 'date'")


def test_invalid_date_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "date: 2026-01-05", "date: 21/11/2026")
    assert_fails_naming(build_fixture(), POST_NAME, "date: expected an ISO date")


def test_unknown_category_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "  - Optimization", "  - Cooking")
    assert_fails_naming(build_fixture(), POST_NAME, "'Cooking' is not in the allow-list")


def test_misspelled_key_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "categories:", "catgories:")
    assert_fails_naming(build_fixture(), POST_NAME, "unknown key 'catgories'")


def test_unknown_include_file_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "alpha_descent/steps.py:partials",
         "alpha_descent/no_such_file.py:partials")
    assert_fails_naming(build_fixture(), POST_NAME, "no_such_file.py")


def test_unknown_section_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "steps.py:partials", "steps.py:no_such_section")
    assert_fails_naming(build_fixture(), POST_NAME, "no section 'no_such_section'")


def test_include_by_line_numbers_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "steps.py:partials", "steps.py:3:9")
    assert_fails_naming(build_fixture(), POST_NAME, "not by line numbers")


def test_unterminated_section_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, "snippets/alpha_descent/steps.py",
         "# --8<-- " + "[end:partials]\n", "")  # split so this file has no marker
    assert_fails_naming(build_fixture(), "steps.py", "[start:partials] has no [end:partials]")


def test_broken_internal_link_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "## The loss\n",
         "## The loss\n\nSee [the notes](no-such-page.md).\n")
    assert_fails_naming(build_fixture(), POST_NAME, "no-such-page.md")


def test_broken_anchor_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, "## The loss\n", "## The loss\n\nSee [below](#no-such-heading).\n")
    assert_fails_naming(build_fixture(), POST_NAME, "no-such-heading")


def test_tex_error_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, r"\partial f / \partial x", r"\partial f / \partial x \frac{1}{")
    build = build_fixture()
    assert_fails_naming(build, POST_NAME, "TeX error", "Missing close brace")


def test_undefined_macro_fails(fixture_project, build_fixture) -> None:
    edit(fixture_project, POST, r"\nabla f(x, y) =", r"\nablaa f(x, y) =")
    assert_fails_naming(build_fixture(), POST_NAME, r"Undefined control sequence \nablaa")


def test_built_pages_load_nothing_from_another_origin(built_site) -> None:
    # Scripts, styles, fonts, images and frames must come from the site itself.
    # (<link rel="canonical"> and rel="alternate" name addresses; they load nothing.)
    pattern = re.compile(
        r"""<(?:script|img|iframe|source|video|audio|link(?![^>]*rel="(?:canonical|alternate)"))"""
        r"""\b[^>]*?\b(?:src|href)=["'](?:https?:)?//""",
        re.IGNORECASE,
    )
    offenders = []
    for page in built_site.site.rglob("*.html"):
        for match in pattern.finditer(page.read_text(encoding="utf-8")):
            offenders.append(f"{page.relative_to(built_site.site)}: {match.group(0)}")
    css_remote = re.compile(r"url\(\s*['\"]?(?:https?:)?//|@import\s+['\"]?(?:https?:)?//")
    for sheet in built_site.site.rglob("*.css"):
        if css_remote.search(sheet.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(sheet.relative_to(built_site.site)))
    assert not offenders, "remote assets:\n" + "\n".join(offenders)


def test_post_page_has_typeset_math_and_included_code(built_fixture) -> None:
    page = next((built_fixture.site / "blog").glob("2026/01/05/alpha-*/index.html"))
    html = page.read_text(encoding="utf-8")
    assert html.count("<mjx-container") >= 5
    assert 'class="arithmatex">\\(' not in html  # no raw TeX left for a browser to typeset
    assert "def df_dy(x: float, y: float)" not in html  # highlighted, so split into spans
    assert "df_dy" in html and "return x**2 * np.cos(y)" not in html
    assert "--8&lt;--" not in html and "--8<--" not in html


def test_excerpts_use_definitions_from_the_rest_and_link_to_it(built_fixture) -> None:
    # Only the part before <!-- more --> is converted for the index (hooks/build_speed.py),
    # with the link definitions of the rest; "Continue reading" still leads to the post.
    index = (built_fixture.site / "blog" / "index.html").read_text(encoding="utf-8")
    excerpt = index[index.index('href="2026/01/05/alpha-one-descent-step/"'):]
    excerpt = excerpt[:excerpt.index("</article>")]
    assert '<a href="../about/">a link</a>' in excerpt
    assert "Continue reading" in excerpt
    assert "Descent" not in excerpt  # a heading after the separator
