import re

import griffe

from execblog.griffe_rst_math import rst_math_to_latex, rst_roles_to_links
from tests.conftest import ROOT


def test_inline_math_becomes_dollars() -> None:
    assert rst_math_to_latex("returns :math:`G W` here") == "returns $G W$ here"


def test_block_math_becomes_display_math() -> None:
    text = "Update\n\n.. math:: p \\leftarrow p - \\eta g\n\nthen."
    assert rst_math_to_latex(text) == "Update\n\n$$\np \\leftarrow p - \\eta g\n$$\n\nthen."


def test_indented_multiline_block_with_alignment_is_wrapped_in_aligned() -> None:
    text = "    .. math::\n\n        a &= b \\\\\n        c &= d\n\n    after"
    out = rst_math_to_latex(text)
    assert "\\begin{aligned}" in out and "\\end{aligned}" in out
    assert out.index("a &= b") < out.index("c &= d") < out.index("$$\n\n    after")


def test_inline_math_may_wrap_onto_the_next_line() -> None:
    text = "size :math:`H = \\lfloor (H + p)\n    / s \\rfloor + 1` (the same)"
    assert rst_math_to_latex(text) == "size $H = \\lfloor (H + p) / s \\rfloor + 1$ (the same)"


def test_roles_become_autorefs_or_code() -> None:
    known = {"ConvGrid": "nn.conv.ConvGrid", "nn.module.Parameter": "nn.module.Parameter"}
    text = "See :class:`ConvGrid`, :class:`~nn.module.Parameter` and :func:`missing`."
    assert rst_roles_to_links(text, known.get) == (
        "See [`ConvGrid`][nn.conv.ConvGrid], [`Parameter`][nn.module.Parameter] and `missing`."
    )


def test_roles_resolve_like_python_names_in_the_real_package() -> None:
    # As mkdocs.yml names it: by import path, so the module is the package's own.
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    extension = "execblog.griffe_rst_math:RstMath"
    assert f"- {extension}" in config
    package = griffe.load("nn", search_paths=[str(ROOT)],
                          extensions=griffe.load_extensions(extension))
    conv = package["conv"]
    assert "[`nn.im2col`][nn.im2col]" in conv.docstring.value
    # An imported name resolves to where it is defined.
    assert "[`ConvGrid`][nn.im2col.ConvGrid]" in conv["Conv2d._grid_for"].docstring.value
    # :meth:`im2col` inside ConvGrid means the method, not the module function of that name.
    grid = package["im2col.ConvGrid"]
    assert "[`im2col`][nn.im2col.ConvGrid.im2col]" in grid["col2im"].docstring.value
    assert "[`nn.special`][nn.special]" in package["activations.GELU"].docstring.value
    assert "[`Parameter`][nn.module.Parameter]" in package["optim"].docstring.value
    stack = [package]
    while stack:  # no reST role or math is left anywhere in the package
        obj = stack.pop()
        stack += [member for member in obj.members.values() if not member.is_alias]
        text = obj.docstring.value if obj.docstring else ""
        assert not re.search(r":(math|class|func|meth|attr|mod):`", text), obj.path
