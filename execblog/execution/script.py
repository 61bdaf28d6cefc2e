"""A page's executed blocks as one downloadable script."""

from __future__ import annotations


def script_name(page) -> str:
    return (page.url.rstrip("/").rsplit("/", 1)[-1] or "index") + ".py"


def script_text(title: str, url: str, codes: list[str], site_url: str) -> str:
    """The page's executed blocks as one runnable script, with a header saying where from."""
    parts = [
        f'"""Code of "{title}", {site_url.rstrip("/")}/{url}\n\n'
        "Generated from the page's executed blocks when the site was built. Run it from a\n"
        "clone of the blog's repository, where `nn` and `snippets` live:\n\n"
        f"    python path/to/{url.rstrip('/').rsplit('/', 1)[-1] or 'index'}.py\n"
        '"""\n\n'
        "import os\nimport sys\n\n"
        "sys.path.insert(0, os.getcwd())  # the clone, for `import nn` and `import snippets`\n"
    ]
    if any("display(" in code for code in codes):  # Jupyter's builtin, used by the blocks
        parts.append("try:\n    from IPython.display import display\n"
                     "except ImportError:\n    display = print\n")
    for number, code in enumerate(codes, start=1):
        parts.append(f"# --- block {number} ---\n{code.rstrip()}\n")
    parts.append(
        "# --- show any figures the blocks made ---\n"
        "import sys  # noqa: E402\n\n"
        'if "matplotlib.pyplot" in sys.modules:\n'
        "    sys.modules[\"matplotlib.pyplot\"].show()\n"
    )
    return "\n".join(parts)
