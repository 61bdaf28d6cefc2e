"""Code of the post "Winograd convolution" (2026-12-02).

``f23``: F(2, 3) with its four products written out, nested into F(2x2, 3x3), next to the
direct correlation, with a counter of multiplications. ``build``: the tables computed when
the site is built (checks, multiplication counts, float32 errors, timings).
"""
