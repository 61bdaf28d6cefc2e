"""What a reader's browser sees on one page: the checks the browser tests assert on.

``audit(page, url)`` loads ``url`` in a Playwright page and returns a ``Report`` whose
lists are empty for a good page. The fault-injection test in ``test_pages.py`` breaks a copy
of the site in each of these ways and asserts that every list catches its fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# TeX that escaped typesetting: delimiters, $..$ around something that is not a price, and
# control words. Code blocks are left out of the text this is matched against.
RAW_TEX = re.compile(
    r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^\s$\d][^$\n]{0,80}?(?<![\s\\])\$|\\[A-Za-z]{2,}"
)

# Text the reader can see in the content area, outside code and typeset formulas.
VISIBLE_PROSE = """() => {
  const root = document.querySelector('.md-content') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => {
      const parent = node.parentElement;
      if (!parent || parent.closest('pre, code, script, style, mjx-container, textarea'))
        return NodeFilter.FILTER_REJECT;
      return parent.checkVisibility() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
    },
  });
  const parts = [];
  while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
  return parts.join(' ');
}"""

MATH = """() => {
  const boxes = [...document.querySelectorAll('.arithmatex')];
  return {
    count: boxes.length,
    // Untypeset: no SVG, or an SVG whose glyphs (<use> of the page's glyph store) are
    // missing, so it would draw nothing.
    untypeset: boxes.filter((b) => !b.querySelector(':scope > mjx-container > svg') ||
                    [...b.querySelectorAll('use')].some((use) => !document.getElementById(
                      (use.getAttribute('xlink:href') || use.getAttribute('href') || '#')
                        .slice(1))))
                    .map((b) => b.outerHTML.slice(0, 160)),
    errors: [...document.querySelectorAll(
               '[data-mjx-error], mjx-merror, [data-mml-node="merror"]')]
            .map((e) => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 160)),
  };
}"""

# Formulas drawn too small to read: an SVG squeezed to a pixel by the layout (say, a
# percentage max-width inside a min-content box) is typeset yet invisible.
COLLAPSED_MATH = """() => [...document.querySelectorAll('.arithmatex mjx-container > svg')]
  .filter((svg) => { const box = svg.getBoundingClientRect();
                     return box.width < 2 || box.height < 2; })
  .map((svg) => (svg.closest('.arithmatex').textContent || '').slice(0, 60)
                + ` (svg width ${svg.getAttribute('width')} drawn at `
                + `${svg.getBoundingClientRect().width.toFixed(1)} px)`)"""

IMAGES = """async () => {
  const images = [...document.images];
  for (const image of images) image.loading = 'eager';  // lazy ones below the fold too
  await Promise.all(images.map((image) => image.complete ? null : new Promise((done) => {
    image.addEventListener('load', done);
    image.addEventListener('error', done);
    setTimeout(done, 5000);
  })));
  const images_out = images.map((image) => ({
    src: image.getAttribute('src'),
    loaded: image.complete && image.naturalWidth > 0,
    alt: (image.getAttribute('alt') || '').trim(),
  }));
  // Inline SVG figures in the text (not formulas, not the theme's icons in metadata,
  // navigation and buttons, not what is hidden from assistive technology on purpose).
  const figures = [...document.querySelectorAll('.md-typeset svg')].filter((svg) =>
    !svg.parentElement.closest('svg, mjx-container, .md-icon, .twemoji, nav, button, '
                               + 'label, .md-post__header, .md-meta, .md-post__meta, '
                               + '[aria-hidden="true"]')
    && svg.getAttribute('aria-hidden') !== 'true');
  const figures_out = figures.map((svg) => {
    const title = svg.querySelector(':scope > title');
    const label = (svg.getAttribute('aria-label') || '').trim()
      || (svg.getAttribute('aria-labelledby') || '').trim()
      || (title ? title.textContent.trim() : '');
    return {html: svg.outerHTML.slice(0, 160), role: svg.getAttribute('role'), label};
  });
  return {images: images_out, figures: figures_out};
}"""

# Elements that make the page wider than a phone's screen. A box that scrolls or clips its
# own content (code blocks, display formulas, tables' scroll wrappers, the navigation
# drawer) may hold wide content, but must itself fit. <html> does not count as a clipper:
# Material sets overflow-x: hidden on it, which cuts a too-wide paragraph off rather than
# making it fit.
OVERFLOW = """() => {
  const html = document.documentElement;
  const width = html.clientWidth;
  const clippedByFittingBox = (element) => {
    for (let box = element.parentElement; box && box !== document.body;
         box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible'
          && box.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (element.closest('mjx-assistive-mml')) continue;  // clipped to 1px, for readers
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.width > width + 1 || box.right > width + 1) {
      if (clippedByFittingBox(element)) continue;
      const name = element.tagName.toLowerCase()
        + (element.id ? '#' + element.id : '')
        + (element.classList.length ? '.' + [...element.classList].join('.') : '');
      wide.push(`${name} (left ${Math.round(box.left)}, width ${Math.round(box.width)})`);
    }
  }
  return {scrollWidth: html.scrollWidth, clientWidth: width,
          bodyScrollWidth: document.body.scrollWidth, wide: wide.slice(0, 20)};
}"""


@dataclass
class Report:
    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    math_count: int = 0
    untypeset_math: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    collapsed_math: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    unlabelled_figures: list[str] = field(default_factory=list)
    phone_overflow: list[str] = field(default_factory=list)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def audit(page, url: str, phone_width: int = 375) -> Report:
    """Load ``url`` in ``page`` (its context's viewport) and check what the reader gets."""
    report = Report(url)
    own_origin = origin(url)

    def on_console(message) -> None:
        if message.type == "error":
            report.console_errors.append(f"{message.text} ({message.location.get('url')})")

    started = set()  # this page's requests: a page loaded before may leave some that its
    # navigation away aborts, and those are not this page's failures

    def on_request(request) -> None:
        started.add(request)
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if origin(request.url) != own_origin:
            report.foreign_requests.append(request.url)

    def on_failed(request) -> None:
        if request in started:
            report.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response) -> None:
        if response.status >= 400 and response.request in started:
            report.failed_requests.append(f"{response.url}: HTTP {response.status}")

    handlers = {"console": on_console, "pageerror": lambda error: report.console_errors.append(
        f"uncaught {error}"), "request": on_request, "requestfailed": on_failed,
        "response": on_response}
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        # "load": the page with its styles, scripts and images (waiting for the network
        # to be idle too would cost half a second a page, minutes with a year of posts).
        page.goto(url, wait_until="load")

        math = page.evaluate(MATH)
        report.math_count = math["count"]
        report.untypeset_math = math["untypeset"]
        report.math_errors = math["errors"]
        report.collapsed_math = [f"at {page.viewport_size['width']} px: {m}"
                                 for m in page.evaluate(COLLAPSED_MATH)]

        prose = page.evaluate(VISIBLE_PROSE)
        end = -1
        for match in RAW_TEX.finditer(prose):  # one excerpt per stretch of raw TeX
            if match.start() > end:
                report.raw_tex.append(" ".join(
                    prose[max(0, match.start() - 30): match.end() + 50].split()))
            end = match.end() + 50

        media = page.evaluate(IMAGES)
        report.broken_images = [i["src"] for i in media["images"] if not i["loaded"]]
        report.images_without_alt = [i["src"] for i in media["images"] if not i["alt"]]
        report.unlabelled_figures = [f["html"] for f in media["figures"]
                                     if f["role"] != "img" or not f["label"]]

        desktop = page.viewport_size
        page.set_viewport_size({"width": phone_width, "height": 812})
        page.wait_for_timeout(50)
        layout = page.evaluate(OVERFLOW)
        if layout["scrollWidth"] > layout["clientWidth"]:
            report.phone_overflow.append(
                f"page scrolls sideways: scrollWidth {layout['scrollWidth']} > "
                f"{layout['clientWidth']}")
        report.phone_overflow += layout["wide"]
        report.collapsed_math += [f"at {phone_width} px: {m}"
                                  for m in page.evaluate(COLLAPSED_MATH)]
        page.set_viewport_size(desktop)
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
    return report


# What a page must not have, each with what it means; the fault-injection test in
# test_pages.py shows each check catches its fault.
FAULTS = {
    "console_errors": "console error",
    "failed_requests": "failed request",
    "foreign_requests": "request to another origin",
    "untypeset_math": ".arithmatex without an SVG mjx-container",
    "math_errors": "MathJax error node",
    "collapsed_math": "formula drawn smaller than 2 px",
    "raw_tex": "TeX left in the text the reader sees",
    "broken_images": "image that did not load",
    "images_without_alt": "image without alt text",
    "unlabelled_figures": 'inline SVG figure without role="img" and an aria-label or <title>',
    "phone_overflow": "wider than a 375 px screen",
}


def faults(report: Report) -> list[str]:
    """One line per fault found on the page: what it is, then the instance."""
    return [f"{what}: {found}" for kind, what in FAULTS.items()
            for found in getattr(report, kind)]
