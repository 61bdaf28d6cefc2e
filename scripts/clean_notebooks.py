"""Strip saved outputs from notebook posts: ``make clean-notebooks``.

The build computes every output of a notebook post and refuses a notebook saved with
outputs or execution counts, so that the repository never carries stale ones. This empties
each code cell's outputs and execution count in ``docs/blog/posts/*.ipynb`` (or in the
notebooks given as arguments) and leaves everything else as Jupyter wrote it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTS = ROOT / "docs" / "blog" / "posts"


def clean(path: Path) -> bool:
    """Strip ``path`` in place; True if it changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            cell["outputs"], cell["execution_count"] = [], None
            changed = True
    if changed:
        # Jupyter's own layout: one-space indent, UTF-8 as is, final newline.
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    paths = paths or sorted(POSTS.glob("*.ipynb"))
    for path in paths:
        try:
            changed = clean(path)
        except (OSError, ValueError) as error:
            print(f"clean-notebooks: {path}: {error}", file=sys.stderr)
            return 2
        print(f"{'stripped' if changed else 'clean   '}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
