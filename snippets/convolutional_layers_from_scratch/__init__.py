"""Code of the post "Convolutional layers from scratch" (2026-11-22).

``correlate``: the output-size formula, cross-correlation and convolution written as loops,
and the input gradient as a full convolution. ``models``: the CNN and the MLP baseline
trained on the digits. ``build``: the tables and figures computed when the site is built.
"""
