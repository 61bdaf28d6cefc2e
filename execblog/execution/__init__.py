"""The engine behind executed blocks (hooks/execute.py is the MkDocs hook that drives it).

One concept per module:

- ``scan``: finds a page's executed blocks in its Markdown before MkDocs converts it;
- ``deps``: records, while a block runs, which project functions ran and which data files
  it read, and digests them;
- ``cache``: a page's results on disk, valid while the code it ran is unchanged;
- ``worker``: the process that runs one page's blocks, in order, in a fresh interpreter;
- ``pool``: runs pages' workers in parallel, enforcing timeouts and naming faults;
- ``fence``: the superfences fence (options, rendering of outputs);
- ``display``: records outputs as Jupyter shows them, renders them as HTML;
- ``script``: the downloadable script of a page's blocks.
"""
