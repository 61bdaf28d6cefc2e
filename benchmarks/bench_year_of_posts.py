"""A realistic year of posts: build and test times, warm and cold, against stock Material.

Grows a temporary copy of the blog to N posts by cloning the real posts (every Markdown post
in docs/blog/posts/ and the notebook post), each clone with its own snippet package, its
own test and distinct code, then measures side by side in one run:

- cold: this project's strict build with an empty cache (every block and formula runs);
- warm: the same build again on the same cache (best of two, interleaved with stock);
- stock: the same posts built by Material from the same mkdocs.yml without its `hooks:`
  section (executed blocks shown as plain code, notebook posts as their Markdown);
- the blocks' own execution time, as the build reports it ("Executed blocks: ...");
- `make test`'s steps on the copy with the warm cache: `ruff check .`, the strict build of
  the blog the tests read (tests/build_site.py), then `pytest -n 2` in two runs: the posts'
  own tests (`-m post`: tests/snippets/, each post's page in Chromium and its links and
  math) and the rest (`-m "not post" --ignore=tests/snippets`: every test in tests/snippets/
  is a post's own, so this run does not import them only to deselect them; `make test`
  runs all in one pytest and imports them once, for the posts' tests);
- the bytes a post page downloads (benchmarks/page_weight.py's measurement, in Chromium).

A clone k of ``<date>-<slug>.md`` (snippets in ``snippets/<module>/``, test
``tests/snippets/test_<module>.py``) is ``<new date>-<slug>-<k>.md`` titled "... (copy k)",
with the package copied to ``snippets/<module>_<k>/`` (a ``# clone k`` line at the top of
each module, so the execution cache's keys differ), imports and include paths rewritten,
its inline and displayed formulas prefixed by an invisible ``\\kern`` of k millionths of
an em (so MathJax renders them afresh, as it would a new post's), and the test copied to
``tests/snippets/test_<module>_<k>.py``. Clones are dated one a day back from today,
skipping the real posts' days. Numbers the tests check are not changed.

Targets: `make test` with a warm cache <= 25 min at 365 posts; the part that is not the
posts' own tests grows <= 10% from 5 to 365 posts; warm build <= 1.3x stock.

Usage:
    python benchmarks/bench_year_of_posts.py [--posts 365]
    python benchmarks/bench_year_of_posts.py --sizes 5,50          # both, one table
    python benchmarks/bench_year_of_posts.py --posts 5 --json five.json
    python benchmarks/bench_year_of_posts.py --posts 365 --baseline-json five.json
Options: --no-tests (builds only), --no-weight, --ref REV (default HEAD; --worktree for
uncommitted files), --save-cache DIR (keep the warm cache,
e.g. for bench_preview.py --cache DIR), --keep DIR (keep each size's built copy in DIR),
--check (strict build and tests only, no timing).

    python benchmarks/bench_year_of_posts.py --rest-only --sizes 6,365 --rounds 2 --cache DIR

measures only the tests that are not the posts' own (`pytest -m "not post"`, what the
+10% target bounds): a copy per size, warm from the cache DIR (e.g. one --save-cache
wrote), its strict build for the tests, then the tests run `--rounds` times at each
size, the sizes taking turns (so that a busier minute of the machine falls on both).

    python benchmarks/bench_year_of_posts.py --day --posts 365 [--edit nn/x.py::Class.method]
        [--cache DIR]

measures a day of writing (target: `make test` after a new post <= 3 min at 365 posts): a
copy of N posts, built cold, then `make test-all`'s steps (every test, recording what each
depends on); then one new post (a further clone, with its snippets and test) and `make
test`'s steps (ruff, the strict build, `pytest --changed`), timed; then an edit to one
function of nn/ (a comment in its body) and `make test` again: the tests that ran, against
those whose records include the function, those that depend on the whole machinery (they
start a build or read one another worker made) and the other checks of the built blog
(which rerun when a page of site/ they read changed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTS = Path("docs/blog/posts")
# The whole project (all the build and the tests read), but not these local directories.
SKIPPED = {".git", ".venv", "node_modules", ".cache", "site", ".hypothesis", ".pytest_cache",
           ".ruff_cache", "nn.egg-info", "screenshots", "__pycache__"}
SITE_RECORD = ".cache/site-build.json"  # where `make test` records its build of the blog
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "screenshots")
# "Executed blocks: 30 ran (16.8 s), 0 from cache", since 8becbb8 with ", 9.1 s wall on 2
# workers" after the blocks' own seconds.
EXECUTED = re.compile(r"Executed blocks: (\d+) ran \(([\d.]+) s(?:, ([\d.]+) s wall on \d+ "
                      r"workers)?\), (\d+) from cache")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_MATH = re.compile(r"(?<![$\\])\$(?![$\s])([^$\n]*?[^$\s\\])\$(?!\$)")
HEADING = re.compile(r"^# (.+)$", re.M)


# --- Cloning ---------------------------------------------------------------------------


def real_posts(root: Path) -> list[Path]:
    """The posts of the project at ``root``, oldest first."""
    return sorted(p for p in (root / POSTS).iterdir() if p.suffix in (".md", ".ipynb"))


def module_of(post: Path) -> str:
    return post.stem[11:].replace("-", "_")


def vary_math(markdown: str, k: int) -> str:
    """Prefix every formula outside code fences with an invisible, clone-specific kern."""
    kern = f"\\kern{k / 1e6:.6f}em "
    lines, fenced, display = [], False, False
    for line in markdown.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            if line.strip() == "$$":
                display = not display
                if display:
                    line = line + "\n" + line[: len(line) - len(line.lstrip())] + kern
            elif not display:
                parts = line.split("`")  # odd parts are inline code: left alone
                parts[::2] = [INLINE_MATH.sub(lambda m: f"${kern}{m[1]}$", p)
                              for p in parts[::2]]
                line = "`".join(parts)
        lines.append(line)
    return "\n".join(lines)


def rewrite(text: str, module: str, k: int) -> str:
    """Point a post's or test's imports and includes at the clone's package."""
    new = f"{module}_{k}"
    text = re.sub(rf"\bsnippets\.{module}\b", f"snippets.{new}", text)
    text = re.sub(rf"\bsnippets/{module}/", f"snippets/{new}/", text)
    return re.sub(rf'(["\'])({module})/', rf"\g<1>{new}/", text)


def retitle(markdown: str, k: int) -> str:
    if re.search(r"^title: ", markdown, re.M):
        return re.sub(r"^(title: .*?)\s*$", rf"\1 (copy {k})", markdown, count=1, flags=re.M)
    return HEADING.sub(rf"# \1 (copy {k})", markdown, count=1)


def redate(markdown: str, date: str, slug: str) -> str:
    markdown = re.sub(r"^date: .*$", f"date: {date}", markdown, count=1, flags=re.M)
    markdown = re.sub(r"^slug: .*$", f"slug: {slug}", markdown, count=1, flags=re.M)
    return reseries(markdown, int(slug.rsplit("-", 1)[1]))


# A year of writing has many short series, not one of three hundred posts: clone k of a
# post in a series joins the series "<name> <k // SERIES>" (at most SERIES clones each).
# (Cloned into one series, a new post changed "Part k of N" on every page of 300 posts,
# and the day's make test re-ran their checks: not what a new post does to a real blog.)
SERIES = 5


def reseries(markdown: str, k: int) -> str:
    return re.sub(r"^series: *(.+?) *$", lambda m: f"series: {m[1]} {k // SERIES}", markdown,
                  count=1, flags=re.M)


def clone_post(project: Path, post: Path, k: int, date: dt.date) -> Path:
    """Clone the real post ``post`` of ``project`` (with its snippets and test) as clone k."""
    module, slug = module_of(post), post.stem[11:]
    name = f"{date.isoformat()}-{slug}-{k}{post.suffix}"
    source = post.read_text(encoding="utf-8")
    if post.suffix == ".md":
        text = vary_math(retitle(redate(rewrite(source, module, k), date.isoformat(),
                                        f"{slug}-{k}"), k), k)
    else:
        notebook = json.loads(source)
        titled = False
        for number, cell in enumerate(notebook["cells"]):
            text = "".join(cell["source"]) if isinstance(cell["source"], list) \
                else cell["source"]
            text = rewrite(text, module, k)
            if number == 0:
                text = redate(text, date.isoformat(), f"{slug}-{k}")
            elif cell["cell_type"] == "markdown":
                if not titled and HEADING.search(text):
                    text, titled = retitle(text, k), True
                text = vary_math(text, k)
            cell["source"] = text.splitlines(keepends=True)
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    (project / POSTS / name).write_text(text, encoding="utf-8")
    package = project / "snippets" / module
    if package.is_dir():
        target = project / "snippets" / f"{module}_{k}"
        for path in sorted(package.rglob("*.py")):
            copy = target / path.relative_to(package)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(f"# clone {k}\n" + rewrite(path.read_text(encoding="utf-8"),
                                                       module, k), encoding="utf-8")
    test = project / "tests" / "snippets" / f"test_{module}.py"
    if test.is_file():
        text = rewrite(test.read_text(encoding="utf-8"), module, k)
        text = text.replace(post.name, name)
        (project / "tests" / "snippets" / f"test_{module}_{k}.py").write_text(
            text, encoding="utf-8")
    return project / POSTS / name


def copy_sources(destination: Path, worktree: bool, ref: str = "HEAD") -> None:
    """The project, from commit ``ref`` (or the working tree), without local directories."""
    destination.mkdir(parents=True, exist_ok=True)
    if worktree:
        for source in ROOT.iterdir():
            name = source.name
            if name in SKIPPED:
                continue
            if source.is_dir():
                shutil.copytree(source, destination / name, ignore=IGNORED)
            else:
                shutil.copy2(source, destination / name)
    else:
        # The working tree is shared with work in progress: measure a consistent snapshot.
        archive = subprocess.run(["git", "archive", "--format=tar", ref],
                                 cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(destination, filter="data")
    (destination / "node_modules").symlink_to(ROOT / "node_modules")


def drop_post(project: Path, post: Path) -> None:
    module = module_of(post)
    post.unlink()
    shutil.rmtree(project / "snippets" / module, ignore_errors=True)
    (project / "tests" / "snippets" / f"test_{module}.py").unlink(missing_ok=True)


def clone_dates(count: int, taken: set[dt.date]) -> list[dt.date]:
    """``count`` days, one a day back from today, skipping ``taken``."""
    dates, day = [], dt.date.today()
    while len(dates) < count:
        if day not in taken:
            dates.append(day)
        day -= dt.timedelta(days=1)
    return dates


def make_project(destination: Path, posts: int, stock: bool = False,
                 worktree: bool = False, ref: str = "HEAD") -> list[Path]:
    """A copy of the blog grown to ``posts`` posts by cloning the real ones.

    Returns the posts' paths, newest first. Fewer posts than the real ones keeps the oldest.
    With ``stock``, the copy is what stock Material builds: no ``execblog-*`` plugins,
    executed blocks as plain code, notebook posts as Markdown. ``worktree`` copies uncommitted
    files too.
    """
    copy_sources(destination, worktree, ref)
    originals = real_posts(destination)
    for post in originals[posts:]:
        drop_post(destination, post)
    originals = originals[:posts]
    taken = {dt.date.fromisoformat(p.name[:10]) for p in originals}
    for k, date in enumerate(clone_dates(posts - len(originals), taken), start=1):
        clone_post(destination, originals[(k - 1) % len(originals)], k, date)
    if stock:
        make_stock(destination)
    return sorted(real_posts(destination), key=lambda p: p.name, reverse=True)


def make_stock(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = re.sub(r"\n  # --- The blog's own build.*?(?=\n\n)", "\n", config.read_text(),
                  flags=re.S)
    # Without the engine, a few autorefs of the API pages do not resolve: warnings only.
    config.write_text(re.sub(r"^strict: true$", "strict: false", text, flags=re.M))
    spec = importlib.util.spec_from_file_location("_notebooks",
                                                  project / "execblog/posts/notebooks.py")
    notebooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(notebooks)
    for post in real_posts(project):
        if post.suffix == ".ipynb":
            markdown = notebooks.notebook_to_markdown(post)
        else:
            markdown = post.read_text(encoding="utf-8")
        markdown = re.sub(r'^(\s*```python) exec="on".*$', r"\1", markdown, flags=re.M)
        post.with_suffix(".md").write_text(markdown, encoding="utf-8")


# --- Measuring -------------------------------------------------------------------------


def environment(project: Path, cache: Path | None = None) -> dict[str, str]:
    # As `make test` runs (its Makefile): compiled modules kept under the copy's .cache/.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "PYTHONPYCACHEPREFIX": str(project / ".cache" / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("BLOG_CACHE_DIR", None)
    if cache is not None:
        env["BLOG_CACHE_DIR"] = str(cache)
    return env


def build(project: Path, cache: Path, strict: bool = True) -> tuple[float, str]:
    start = time.perf_counter()
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "site")]
    result = subprocess.run(command + (["--strict"] if strict else []), cwd=project,
                            env=environment(project, cache), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build of {project} failed:\n{result.stdout}\n{result.stderr[-6000:]}")
    return seconds, result.stdout + result.stderr


def build_for_tests(project: Path) -> float:
    """The strict build `make test` makes before pytest (tests/build_site.py), warm."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tests.build_site", str(project / SITE_RECORD)],
                   cwd=project, env=environment(project), check=True, capture_output=True)
    return time.perf_counter() - start


# The tests that are not the posts' own: tests/snippets/ holds only posts' own tests.
REST = ("-m", "not post", "--ignore=tests/snippets")


def run_tests(project: Path, *selection: str) -> tuple[float, str]:
    """Wall time of ``pytest -n 2`` over ``selection`` in the copy (on the build of
    ``build_for_tests``, as `make test` runs it), and its summary line."""
    start = time.perf_counter()
    env = {**environment(project), "BLOG_BUILT_SITE": str(project / SITE_RECORD)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-p",
                             "no:cacheprovider", "-q", "--durations=8", *selection], cwd=project,
                            env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else result.stderr[-300:]
    slowest = [line for line in lines if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)]
    print("  slowest of pytest " + " ".join(selection) + ":\n    " + "\n    ".join(slowest),
          flush=True)
    if result.returncode != 0:
        failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
        print(f"  pytest {' '.join(selection)}: exit {result.returncode}\n    "
              + "\n    ".join(failed[:20]), flush=True)
    return seconds, summary


def pytest_nodes(project: Path, *args: str) -> tuple[float, str, set[str], str]:
    """``pytest -n 2 -rA *args`` in the copy, as `make test` runs it: wall time, summary
    line, the tests that ran (passed, failed or errored), and the output."""
    start = time.perf_counter()
    env = {**environment(project), "BLOG_BUILT_SITE": str(project / SITE_RECORD)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-rA", *args],
                            cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    ran = set(re.findall(r"^(?:PASSED|FAILED|ERROR) (\S+::\S+)", output, re.M))
    if result.returncode != 0:
        print("  " + "\n  ".join(line for line in lines
                                   if line.startswith(("FAILED", "ERROR")))[:3000], flush=True)
    return seconds, lines[-1].strip("= ") if lines else output[-300:], ran, output


def edit_function(project: Path, target: str) -> None:
    """Add a ``pass`` to the body of the function ``file::qualname``: its text changes,
    what it does does not (a statement, not a comment: the execution cache's units count a
    comment above a body's first statement as the module's top level)."""
    import ast

    relative, _, qualname = target.partition("::")
    path = project / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    tree = ast.parse("\n".join(lines))

    def find(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if name == qualname and not isinstance(child, ast.ClassDef):
                    return child
                found = find(child, name + ".")
                if found:
                    return found
        return None

    function = find(tree)
    if function is None:
        sys.exit(f"--edit {target}: no function {qualname} in {relative}")
    first = function.body[0].lineno - 1
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    lines.insert(first, f"{indent}pass  # edited by bench_year_of_posts --day")
    path.write_text("\n".join(lines), encoding="utf-8")


def day(posts: int, work: Path, target: str, worktree: bool, ref: str = "HEAD",
        seed: Path | None = None) -> None:
    """A day of writing at ``posts`` posts: see the module's docstring. ``seed``: a cache
    (e.g. one --save-cache wrote) copied in before the first build, which is then not cold:
    what the day measures runs on a warm cache either way."""
    project = work / f"day-{posts}"
    every = make_project(project, posts, worktree=worktree, ref=ref)
    cache = project / ".cache"
    first = "cold build"
    if seed is not None:
        shutil.copytree(seed, cache, dirs_exist_ok=True)
        first = f"first build (cache seeded from {seed})"
    print(f"[{posts} posts] {first} (load {load()})", flush=True)
    cold, _ = build(project, cache)
    print(f"  {first} {cold:.0f} s; make test-all (load {load()})", flush=True)
    site_build = build_for_tests(project)
    seconds, summary, ran, _ = pytest_nodes(project, "--record-deps")
    print(f"  make test-all: ruff {ruff(project):.1f} s, site build {site_build:.0f} s, "
          f"pytest --record-deps {seconds:.0f} s ({summary})", flush=True)
    # A new post: one more clone (post, snippets, test), dated before the earliest post.
    originals = [post for post in every if not re.search(r"-\d+\.(md|ipynb)$", post.name)]
    earliest = min(dt.date.fromisoformat(post.name[:10]) for post in every)
    source = sorted(originals, key=lambda post: post.name)[0]
    new = clone_post(project, source, posts + 1, earliest - dt.timedelta(days=1))
    print(f"  new post {new.name} (load {load()})", flush=True)
    r = {"ruff": ruff(project), "site_build": build_for_tests(project)}
    r["pytest"], summary, ran, output = pytest_nodes(project, "--changed")
    deselected = re.search(r"(\d+) tests deselected: unchanged", output)
    total = r["ruff"] + r["site_build"] + r["pytest"]
    print(f"  make test after a new post: ruff {r['ruff']:.1f} s + site build "
          f"{r['site_build']:.0f} s + pytest --changed {r['pytest']:.0f} s = {total:.0f} s "
          f"({total / 60:.1f} min; target <= 3 min at 365 posts); {len(ran)} tests ran "
          f"({summary}); {deselected[1] if deselected else 0} deselected", flush=True)
    module = new.stem[11:].replace("-", "_")
    always = {node for node in ran  # the other checks of the built blog
              if module not in node and new.stem[11:] not in node}
    kinds = count_kinds(ran, module, new.stem[11:])
    print("  tests that ran: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())),
          flush=True)
    # An edit to one function of nn/.
    records = json.loads((cache / "test-deps.json").read_text())
    table = records["deps"]
    unit = {n for n, deps in records["tests"].items()
            if any(table[i][0] == "unit" and table[i][1] == target for i in deps)}
    machinery = {n for n, deps in records["tests"].items()
                 if any(table[i][0] == "machinery" for i in deps)}
    edit_function(project, target)
    r2 = {"ruff": ruff(project), "site_build": build_for_tests(project)}
    r2["pytest"], summary, ran, output = pytest_nodes(project, "--changed")
    total = r2["ruff"] + r2["site_build"] + r2["pytest"]
    other = ran - unit - machinery - always
    print(f"  make test after editing {target}: site build {r2['site_build']:.0f} s + pytest "
          f"--changed {r2['pytest']:.0f} s = {total:.0f} s; {len(ran)} tests ran ({summary})\n"
          f"    records that include {target}: {len(unit)}, of which ran: {len(unit & ran)}\n"
          f"    records that depend on the whole machinery (nn/ among it): {len(machinery)}, "
          f"of which ran: {len(machinery & ran)}\n"
          f"    other checks of the built blog (rerun after the new post): {len(always)}\n"
          f"    ran, in none of these: {len(other)}: "
          + ", ".join(sorted(other)[:40]), flush=True)


def count_kinds(nodes: set[str], module: str, slug: str) -> dict[str, int]:
    """The tests that ran, by kind: the new post's own, and the rest by directory."""
    kinds: dict[str, int] = {}
    for node in nodes:
        own = module in node or slug in node
        kind = "new post's own" if own else "/".join(node.split("/")[:2]).split("::")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def ruff(project: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", "."],
                   cwd=project, capture_output=True)
    return time.perf_counter() - start


def page_weights(site: Path, originals: list[Path]) -> dict[str, float]:
    """KB downloaded by each real post's page (the originals, in the grown site)."""
    from harness import launch, page_url, post_pages, serve
    from page_weight import weigh  # Chromium via Playwright, as `make weight` measures
    from playwright.sync_api import sync_playwright

    sent, gzipped, other, searched = [], [], [], []
    days = {post.name[:10].replace("-", "/") for post in originals}  # one post a day
    pages = [page for page in post_pages(site)
             if page.parent.parent.relative_to(site / "blog").as_posix() in days]
    with serve(site) as served, sync_playwright() as playwright:
        browser = launch(playwright)
        for page in pages:
            sizes, compressed, *search = weigh(browser, served,
                                               page_url(served.root_url, site, page))
            kinds = ["html", "css", "js", "font", "img", "other"]
            sent.append(sum(sizes.get(kind, 0) for kind in kinds) / 1024)
            gzipped.append(compressed / 1024)
            other.append(sizes.get("other", 0) / 1024)
            searched.append(search[0] / 1024 if search else 0.0)
        browser.close()
    return {"pages": len(sent), "sent_max": max(sent), "sent_min": min(sent),
            "gzip_max": max(gzipped), "other_kb": max(other), "search_gzip_max": max(searched)}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def measure(posts: int, work: Path, tests: bool, weight: bool,
            save_cache: Path | None, worktree: bool, ref: str = "HEAD",
            keep: bool = False) -> dict:
    ours, stock = work / f"ours-{posts}", work / f"stock-{posts}"
    every = make_project(ours, posts, worktree=worktree, ref=ref)
    make_project(stock, posts, stock=True, worktree=worktree, ref=ref)
    originals = [post for post in every if not re.search(r"-\d+\.(md|ipynb)$", post.name)]
    cache, stock_cache = ours / ".cache", work / f"stock-cache-{posts}"
    r: dict = {"posts": posts, "load_start": load()}
    print(f"[{posts} posts] building (load {r['load_start']})", flush=True)
    stock_1, _ = build(stock, stock_cache, strict=False)
    r["cold"], cold_log = build(ours, cache)
    warm_1, warm_log = build(ours, cache)
    stock_2, _ = build(stock, stock_cache, strict=False)
    warm_2, _ = build(ours, cache)
    r["stock"], r["warm"] = min(stock_1, stock_2), min(warm_1, warm_2)
    r["stock_all"], r["warm_all"] = [stock_1, stock_2], [warm_1, warm_2]
    cold, warm = EXECUTED.search(cold_log), EXECUTED.search(warm_log)
    r["cold_ran"], r["cold_exec"], r["cold_cached"] = int(cold[1]), float(cold[2]), int(cold[4])
    r["cold_exec_wall"] = float(cold[3]) if cold[3] else None
    r["warm_ran"], r["warm_cached"] = int(warm[1]), int(warm[4])
    print(f"  stock {stock_1:.1f}/{stock_2:.1f} s, cold {r['cold']:.1f} s "
          f"(exec {r['cold_exec']:.1f} s), warm {warm_1:.1f}/{warm_2:.1f} s", flush=True)
    if weight:
        r["weight"] = page_weights(ours / "site", originals)
    shutil.rmtree(ours / "site")
    if save_cache:
        shutil.copytree(cache, save_cache, dirs_exist_ok=True)
    if tests:
        print(f"  pytest (load {load()})", flush=True)
        r["ruff"] = ruff(ours)
        r["site_build"] = build_for_tests(ours)
        r["posts_tests"], r["posts_summary"] = run_tests(ours, "-m", "post")
        r["rest_tests"], r["rest_summary"] = run_tests(ours, *REST)
        r["make_test"] = r["ruff"] + r["site_build"] + r["posts_tests"] + r["rest_tests"]
        print(f"  site build {r['site_build']:.0f} s; posts' tests {r['posts_tests']:.0f} s "
              f"({r['posts_summary']}); rest {r['rest_tests']:.0f} s ({r['rest_summary']})",
              flush=True)
    r["load_end"] = load()
    shutil.rmtree(stock)
    if not keep:
        shutil.rmtree(ours)
    return r


def rest_only(sizes: list[int], work: Path, rounds: int, cache: Path | None,
              worktree: bool, ref: str = "HEAD") -> None:
    """The tests other than the posts' own, at each size, the sizes taking turns."""
    projects = {}
    for posts in sizes:
        project = projects[posts] = work / f"rest-{posts}"
        make_project(project, posts, worktree=worktree, ref=ref)
        if cache:
            shutil.copytree(cache, project / ".cache", dirs_exist_ok=True)
        print(f"[{posts} posts] strict build for the tests: "
              f"{build_for_tests(project):.0f} s", flush=True)
    times: dict[int, list[float]] = {posts: [] for posts in sizes}
    for round_number in range(rounds):
        for posts, project in projects.items():
            seconds, summary = run_tests(project, *REST)
            times[posts].append(seconds)
            print(f"  round {round_number + 1}, {posts} posts: {seconds:.0f} s ({summary}); "
                  f"load {load()}", flush=True)
    print("\n| posts | rest of tests s, each round | best | median |")
    print("| ---: | --- | ---: | ---: |")
    for posts, each in times.items():
        print(f"| {posts} | {' / '.join(f'{t:.0f}' for t in each)} | {min(each):.0f} "
              f"| {sorted(each)[len(each) // 2]:.0f} |")
    first, last = times[sizes[0]], times[sizes[-1]]
    growth = min(last) / min(first) - 1
    print(f"tests other than the posts' own, best of {rounds}: {min(first):.0f} s at "
          f"{sizes[0]} posts, {min(last):.0f} s at {sizes[-1]}: {growth:+.0%} "
          f"(target <= +10%) -> {'met' if growth <= 0.10 else 'NOT met'}")


def check(posts: int, work: Path, worktree: bool, ref: str = "HEAD") -> None:
    """Strict build and every test on a small clone, no timing."""
    project = work / "check"
    make_project(project, posts, worktree=worktree, ref=ref)
    seconds, log = build(project, project / ".cache")
    print(f"strict build of {posts} posts: ok ({seconds:.0f} s); {EXECUTED.search(log)[0]}")
    stock = work / "check-stock"
    make_project(stock, posts, stock=True, worktree=worktree, ref=ref)
    build(stock, work / "check-stock-cache", strict=False)
    print("stock build: ok")
    build_for_tests(project)  # the record run_tests points pytest at, as `make test` does
    seconds, summary = run_tests(project, "tests")
    print(f"pytest -n 2 tests: {summary} ({seconds:.0f} s)")


# --- Report ----------------------------------------------------------------------------


def report(results: list[dict]) -> None:
    print(f"\nCPUs: {os.cpu_count()}; load average (1/5 min) at start and end of each size")
    print("\n| posts | stock s | cold s | warm s | warm / stock | cold / stock "
          "| exec s (cold) | blocks ran / cached (cold; warm) | load |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for r in results:
        print(f"| {r['posts']} | {r['stock']:.1f} | {r['cold']:.1f} | {r['warm']:.1f} "
              f"| {r['warm'] / r['stock']:.2f} | {r['cold'] / r['stock']:.2f} "
              f"| {r['cold_exec']:.1f}"
              + (f" ({r['cold_exec_wall']:.1f} wall)" if r.get("cold_exec_wall") else "")
              + f" | {r['cold_ran']}/{r['cold_cached']}; "
              f"{r['warm_ran']}/{r['warm_cached']} | {r['load_start']} -> {r['load_end']} |")
    if any("make_test" in r for r in results):
        print("\n| posts | ruff s | site build s | posts' own tests s | rest of tests s "
              "| make test (sum) min | posts' tests | rest |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for r in results:
            if "make_test" in r:
                print(f"| {r['posts']} | {r['ruff']:.1f} | {r['site_build']:.0f} "
                      f"| {r['posts_tests']:.0f} "
                      f"| {r['rest_tests']:.0f} | {r['make_test'] / 60:.1f} "
                      f"| {r['posts_summary']} | {r['rest_summary']} |")
    if any("weight" in r for r in results):
        print("\n| posts | real posts weighed | KB sent (min-max) | KB gzip (max) "
              "| of which 'other' (search index, sitemap) KB | one search, gzip KB (max) |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            if "weight" in r:
                w = r["weight"]
                print(f"| {r['posts']} | {w['pages']} | {w['sent_min']:.0f}-{w['sent_max']:.0f} "
                      f"| {w['gzip_max']:.0f} | {w['other_kb']:.0f} "
                      f"| {w.get('search_gzip_max', 0):.0f} |")
    print()
    for r in results:
        ratio = r["warm"] / r["stock"]
        print(f"[{r['posts']} posts] warm / stock = {ratio:.2f} (target <= 1.3) -> "
              f"{'met' if ratio <= 1.3 else 'NOT met'}")
    tested = sorted((r for r in results if "make_test" in r), key=lambda r: r["posts"])
    if tested:
        last = tested[-1]
        minutes = last["make_test"] / 60
        if last["posts"] >= 365:
            verdict = "met" if minutes <= 25 else "NOT met"
            print(f"make test, warm cache, at {last['posts']} posts: {minutes:.1f} min "
                  f"(target <= 25) -> {verdict}")
        elif len(tested) > 1:
            first = tested[0]
            slope = (last["make_test"] - first["make_test"]) / (last["posts"] - first["posts"])
            at_year = (last["make_test"] + slope * (365 - last["posts"])) / 60
            verdict = "met" if at_year <= 25 else "NOT met"
            print(f"make test, warm cache: {minutes:.1f} min at {last['posts']} posts; linear "
                  f"extrapolation to 365: {at_year:.1f} min (target <= 25) -> {verdict} "
                  "(extrapolated, not measured)")
        else:
            print(f"make test, warm cache: {minutes:.1f} min at {last['posts']} posts "
                  "(target <= 25 at 365: not judged at this size)")
        if len(tested) > 1:
            first = tested[0]
            growth = last["rest_tests"] / first["rest_tests"] - 1
            verdict = "met" if growth <= 0.10 else "NOT met"
            print(f"tests other than the posts' own: {first['rest_tests']:.0f} s at "
                  f"{first['posts']} posts, {last['rest_tests']:.0f} s at {last['posts']}: "
                  f"{growth:+.0%} (target <= +10% from 5 to 365) -> {verdict}"
                  + ("" if last["posts"] >= 365 else f" (measured to {last['posts']} posts)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=365)
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 5,50 (overrides --posts)")
    parser.add_argument("--baseline-json", type=Path, help="results of an earlier (5-post) run")
    parser.add_argument("--json", type=Path, help="write this run's results here")
    parser.add_argument("--no-tests", action="store_true")
    parser.add_argument("--no-weight", action="store_true")
    parser.add_argument("--save-cache", type=Path)
    parser.add_argument("--check", action="store_true", help="strict build + tests only")
    parser.add_argument("--rest-only", action="store_true",
                        help="only the tests other than the posts' own, --rounds times")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--day", action="store_true",
                        help="a day of writing: make test after a new post, and after an "
                             "edit to one nn/ function (--edit), on recorded dependencies")
    parser.add_argument("--edit", default="nn/activations.py::LeakyReLU.forward",
                        help="(--day) the function to edit, file::qualname")
    parser.add_argument("--cache", type=Path,
                        help="(--rest-only, --day) a warm cache to start from")
    parser.add_argument("--worktree", action="store_true",
                        help="copy the working tree (default: the last commit, HEAD)")
    parser.add_argument("--ref", default="HEAD", help="the commit to measure (default HEAD)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR (new or empty) and keep each size's copy there, "
                             "built, with its warm cache, e.g. to rerun tests on it")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.posts]
    commit = subprocess.run(["git", "log", "-1", "--format=%h %cs", args.ref], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(f"blog at {'the working tree' if args.worktree else args.ref} ({commit}); "
          f"sizes {sizes}", flush=True)
    sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests" / "browser")]
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        sys.exit(f"--keep {args.keep}: expected a new or empty directory, it holds files")
    with tempfile.TemporaryDirectory(prefix="year-of-posts-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        if args.check:
            check(sizes[0], work, args.worktree, args.ref)
            return
        if args.day:
            day(sizes[0], work, args.edit, args.worktree, args.ref, args.cache)
            return
        if args.rest_only:
            rest_only(sizes, work, args.rounds, args.cache, args.worktree, args.ref)
            return
        results = [measure(n, work, not args.no_tests, not args.no_weight, args.save_cache,
                           args.worktree, args.ref, keep=bool(args.keep)) for n in sizes]
    if args.keep:
        print(f"kept: {', '.join(str(work / f'ours-{n}') for n in sizes)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    baseline = json.loads(args.baseline_json.read_text()) if args.baseline_json else []
    report(sorted(baseline + results, key=lambda r: r["posts"]))


if __name__ == "__main__":
    main()
