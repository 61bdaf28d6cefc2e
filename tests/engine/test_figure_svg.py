"""Matplotlib figures as files: the smaller SVG draws the same thing, the <img> shows it."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from execblog.execution import figures  # noqa: E402

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def svg() -> str:
    """A figure with lines, markers, text, an image and clipping, saved as the workers
    save figures (execution/worker.py)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(6, 2.5), label="Two panels")
    x = np.linspace(0, 3, 50)
    left.plot(x, np.sin(x) / 3, "o-", markersize=3, label="sine / 3")
    left.legend()
    left.set_title("A curve")
    right.imshow(np.arange(16).reshape(4, 4), cmap="magma")
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": "test", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def numbers_of(svg: str, attribute: str) -> list[float]:
    values = re.findall(rf'\s{attribute}="([^"]*)"', svg)
    return [float(n) for value in values for n in NUMBER.findall(value)]


def test_the_smaller_svg_draws_the_same_shapes(svg) -> None:
    small = figures.minify(svg)
    assert len(small) < 0.85 * len(svg)
    for attribute in ("d", "x", "y", "width", "height", "transform"):
        before, after = numbers_of(svg, attribute), numbers_of(small, attribute)
        assert len(before) == len(after), attribute
        assert max((abs(a - b) for a, b in zip(before, after, strict=True)),
                   default=0) <= 0.005, attribute
    # The same elements in the same order (only empty groups go), the same styles, the
    # image's data.
    drawn = re.compile(r"<(path|use|image|rect|clipPath|style)\b")
    assert drawn.findall(small) == drawn.findall(svg)
    assert re.findall(r'style="[^"]*"', small) == re.findall(r'style="[^"]*"', svg)
    assert re.findall(r"base64,\s*([A-Za-z0-9+/=\s]+)", small) == \
        re.findall(r"base64,\s*([A-Za-z0-9+/=\s]+)", svg)


def test_the_smaller_svg_is_a_standalone_image_with_every_reference_resolved(svg) -> None:
    small = figures.minify(svg)
    root = ET.fromstring(small)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<metadata" not in small and "<!--" not in small and "\n " not in small
    ids = set(re.findall(r'\sid="([^"]+)"', small))
    referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', small))
    assert referenced and referenced <= ids
    assert ids <= referenced  # nothing left that nothing uses
    path_data = " ".join(re.findall(r'\sd="([^"]*)"', small))
    assert not re.search(r"\d\.\d{3}", path_data)  # a hundredth of a point at most


def test_size_is_in_css_pixels() -> None:
    assert figures.size('<svg width="414.785625pt" height="215.519609pt">') == (553, 287)
    assert figures.size('<svg width="40" height="30">') == (40, 30)
    assert figures.size("<svg viewBox='0 0 1 1'>") is None


def test_the_image_is_lazy_sized_and_described(svg) -> None:
    small = figures.minify(svg)
    name = figures.file_name(1, small)
    assert re.fullmatch(r"figure-1-[0-9a-f]{8}\.svg", name)
    assert figures.file_name(1, small + " ") != name  # another figure, another URL
    tag = figures.image(name, 'Two "panels" & more', small)
    width, height = figures.size(small)
    assert tag == (f'<figure class="exec-figure"><img src="{name}" '
                   'alt="Two &quot;panels&quot; &amp; more" '
                   f'width="{width}" height="{height}" loading="lazy" decoding="async">'
                   "</figure>")
