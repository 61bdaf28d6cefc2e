from griffe_rst_math import rst_math_to_latex


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
