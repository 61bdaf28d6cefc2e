"""Every internal link and anchor in the built site resolves to a file and an id in site/."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from mkdocs.utils.yaml import yaml_load

from tests.conftest import ROOT
from tests.site.checks import pages_other_than_posts

SITE_URL = yaml_load((ROOT / "mkdocs.yml").read_text())["site_url"]
SITE_URL = SITE_URL if SITE_URL.endswith("/") else SITE_URL + "/"
PREFIX = urlsplit(SITE_URL).path  # /ml-blog/
LINKING = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src",
           "iframe": "src", "video": "src", "audio": "src"}


# A start tag with its attributes (quoted values may hold ">"), a comment, or a whole
# script or style element (whose text is not markup). html.parser gives the same tags and
# attributes on these pages, three times slower: the site grows by a page a day.
TAG = re.compile(r"<!--.*?-->|<(?:(script|style)\b([^>]*)>.*?</\1\s*>"
                 r"|([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>)", re.S | re.I)
ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


@dataclass
class Page:
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)


def attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        value = next((v for v in match.group(2, 3, 4) if v is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def parse_page(text: str) -> Page:
    """The ids a fragment can point at, and the URLs the page links to or loads."""
    page = Page()
    for match in TAG.finditer(text):
        tag, body = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        if tag is None or "=" not in body:
            continue
        tag, attrs = tag.lower(), attributes(body)
        for name in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(name):
                page.ids.add(attrs[name])
        if tag in LINKING and attrs.get(LINKING[tag]):
            page.links.append(attrs[LINKING[tag]])
        if tag in ("img", "source") and attrs.get("srcset"):
            page.links += [part.split()[0] for part in attrs["srcset"].split(",") if part]
    return page


def page_address(site: Path, html_file: Path) -> str:
    """Where a built file is served: ``blog/index.html`` -> ``https://host/ml-blog/blog/``."""
    relative = html_file.relative_to(site).as_posix()
    if relative == "index.html" or relative.endswith("/index.html"):
        relative = relative[: -len("index.html")]
    return SITE_URL + relative


def target_file(site: Path, path: str) -> Path | None:
    """The file a URL path under the site's prefix is served from, or None."""
    relative = unquote(path[len(PREFIX):])
    candidate = site / relative
    if relative == "" or relative.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


_parsed: dict[tuple[Path, int, int], Page] = {}


def parse(html_file: Path) -> Page:
    """The page's links and ids, parsed once per run (unless the file changes)."""
    stat = html_file.stat()
    key = (html_file, stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        _parsed[key] = parse_page(html_file.read_text(encoding="utf-8"))
    return _parsed[key]


def broken_links(site: Path, pages: Iterable[Path] | None = None) -> list[str]:
    """Links and anchors of ``pages`` (every page of ``site`` by default) that lead
    nowhere."""
    problems = []
    for html_file in sorted(site.rglob("*.html")) if pages is None else pages:
        base = page_address(site, html_file)
        for link in parse(html_file).links:
            if link.startswith(("mailto:", "tel:", "data:", "javascript:")):
                continue
            url = urljoin(base, link)
            if not url.startswith(SITE_URL):
                if urlsplit(url).netloc == urlsplit(SITE_URL).netloc:
                    problems.append(f"{html_file.relative_to(site)}: {link} is outside "
                                    f"the site's path {PREFIX}")
                continue  # another site
            parts = urlsplit(url)
            target = target_file(site, parts.path)
            where = f"{html_file.relative_to(site)}: {link}"
            if target is None:
                problems.append(f"{where}: no file for {parts.path}")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in parse(target).ids:
                    problems.append(f"{where}: no id {unquote(parts.fragment)!r} "
                                    f"in {target.relative_to(site)}")
    return problems


def test_every_internal_link_and_anchor_resolves(built_site) -> None:
    # Each post's page is checked by its own test (test_post_html.py).
    problems = broken_links(built_site.site, pages_other_than_posts(built_site.site))
    assert not problems, "broken links:\n  " + "\n  ".join(problems)


def sitemap_problems(site: Path) -> list[str]:
    """What is wrong with ``site``'s sitemap.xml: an address outside the site's URL, or no
    built page for it, or a built page (but the 404 page) it does not list."""
    listed = re.findall(r"<loc>\s*([^<\s]*)\s*</loc>",
                        (site / "sitemap.xml").read_text(encoding="utf-8"))
    problems = [f"{url} is not under the site's URL {SITE_URL}" for url in listed
                if not url.startswith(SITE_URL)]
    problems += [f"{url}: no page for it in site/" for url in listed
                 if url.startswith(SITE_URL)
                 and target_file(site, PREFIX + url[len(SITE_URL):]) is None]
    pages = {page_address(site, page) for page in site.rglob("*.html")
             if page.relative_to(site).as_posix() != "404.html"}
    problems += [f"{url} is not listed" for url in sorted(pages - set(listed))]
    return problems


def test_the_sitemap_lists_every_page_at_the_site_url(built_site) -> None:
    """Material's instant navigation keeps a click in the page only for an address the
    sitemap lists (the browser tests' server hands it over unrecorded, see
    tests/selection.py ``unrecorded``: this is its check)."""
    problems = sitemap_problems(built_site.site)
    assert not problems, "sitemap.xml:\n  " + "\n  ".join(problems)


def test_the_sitemap_check_finds_what_is_wrong(built_fixture, tmp_path) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_fixture.site, site)
    assert not sitemap_problems(site)
    sitemap = site / "sitemap.xml"
    text = sitemap.read_text(encoding="utf-8")
    first = re.search(r"<loc>\s*([^<\s]*)\s*</loc>", text)[1]
    sitemap.write_text(text.replace(first, "https://elsewhere.test/nothing/", 1)
                       .replace("</urlset>", f"<url><loc>{SITE_URL}no-such-page/</loc></url>"
                                             "</urlset>"), encoding="utf-8")
    problems = sitemap_problems(site)
    assert any("elsewhere.test" in p and "not under" in p for p in problems), problems
    assert any("no-such-page" in p and "no page" in p for p in problems), problems
    assert any(p == f"{first} is not listed" for p in problems), problems


def test_the_checker_finds_broken_links(built_fixture, tmp_path) -> None:
    # The test above means something only if it fails on a site with broken links (the
    # fixture site's, built with the same theme and hooks: copying the blog would grow).
    site = tmp_path / "site"
    shutil.copytree(built_fixture.site, site)
    assert not broken_links(site), broken_links(site)
    about = site / "about" / "index.html"
    faults = ('<a href="../no-such-page/">x</a> <a href="../#no-such-id">y</a> '
              '<img src="/ml-blog/assets/no-such.png" alt="z"> '
              '<a href="/elsewhere/">w</a> <a href="../blog/#">ok</a> '
              '<a href="https://example.org/">ok</a>')
    text = about.read_text(encoding="utf-8")
    about.write_text(text.replace("</article>", faults + "</article>", 1), encoding="utf-8")
    problems = "\n".join(broken_links(site))
    assert "no file for /ml-blog/no-such-page/" in problems, problems
    assert "no id 'no-such-id' in index.html" in problems, problems
    assert "no file for /ml-blog/assets/no-such.png" in problems, problems
    assert "/elsewhere/ is outside the site's path" in problems, problems
    assert "example.org" not in problems and "blog/#" not in problems, problems


def test_the_tag_scanner_reads_what_a_browser_would() -> None:
    page = parse_page(
        '<a href="x/?a=1&amp;b=2" title="1 > 0">x</a><A NAME=top></A>'
        "<img alt='y' src='i.png' srcset='i.png 1x, j.png 2x'>"
        '<!-- <a href="commented/"> --><script>let s = "<a href=\'in-script/\'>";</script>'
        '<div id="here" data-x=\'"\'><link rel=stylesheet href=s.css>')
    assert page.links == ["x/?a=1&b=2", "i.png", "i.png", "j.png", "s.css"]
    assert page.ids == {"top", "here"}
