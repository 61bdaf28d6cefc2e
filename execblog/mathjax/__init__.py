"""Formulas typeset to SVG at build by MathJax under Node, cached per formula."""
