"""Build the real blog strictly for the test run: ``python -m tests.build_site RECORD``.

``make test`` runs this before pytest, then passes ``BLOG_BUILT_SITE=RECORD``: the tests of
the real blog read that one build (into ``site/``, as ``make build`` makes it) instead of
building it inside a test worker. The build's cost grows with the posts; keeping it out of
pytest lets the benchmark report it apart from the tests'. A failed build is recorded, not
raised here: the site tests then fail with the build's output (naming the file), and every
other test still runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.conftest import ROOT, run_build, write_build


def main() -> int:
    record = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".cache" / "site-build.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.unlink(missing_ok=True)  # never leave the record of an earlier build behind
    start = time.perf_counter()
    build = run_build(ROOT, ROOT / "site")
    write_build(build, record)
    verdict = "built" if build.returncode == 0 else "FAILED (the site tests will show why)"
    print(f"real blog {verdict} in {time.perf_counter() - start:.1f} s -> "
          f"{build.site.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
