"""Run only the tests a change can affect: ``pytest --changed`` (``make test``).

Each test that passes is recorded with what it depended on, as it ran:

- the project's functions it ran (a ``sys.settrace`` hook that sees only 'call' events and
  traces no lines, as the execution cache's ``Tracer`` does), each as the digest of its
  source text (``execution.deps.SourceUnits``: a function, a method, or a module's top
  level); and the top level of its own test module, its conftest files and every project
  module they import (what ran when they were imported, before the test);
- the project's files it opened for reading (whole-file digests), the project's
  directories it listed (digest of the names), and, if it or a fixture it used started a
  process (a site build, Chromium, node), whole-file digests of the build machinery that
  process reads (``MACHINERY`` below; a fixture copies what it builds, and the copy is read
  here, so it is recorded too);
- what its fixtures of wider scope (module, session) depended on when they were set up,
  whichever test set them up first;
- the environment: the Python version, the lock files and the browser's executable; when
  they differ, every test runs.

With ``--changed``, a test is deselected when it has a record and every dependency still has
its recorded digest. So a new test runs (no record), a test that failed runs (failures are
not recorded), an edit to a function runs exactly the tests that ran it, an edit to a file a
test read runs it, an edit to a module's top level runs the tests that import it.

The checks of the built blog (tests using ``built_site``) depend on the files of ``site/``
they read, as any file: a page's checks rerun when that page, or a file it loads, changed.
That holds only when ``make test`` built the blog into ``site/`` before pytest started and
named a successful build in ``BLOG_BUILT_SITE``. Otherwise (a bare ``pytest`` builds it into
a temporary directory, whose files are no recorded dependency; or that build failed, and the
checks must say why) they all run and none is recorded. A test marked ``always`` runs
whatever changed (what it checks is not a file it reads, e.g. the build's log).

Records are kept in ``.cache/test-deps.json`` (``BLOG_TEST_DEPS`` overrides), written after
each run with ``--changed`` or ``--record-deps`` (``make test-all``: every test, recorded).
No record (a fresh clone, CI) runs everything.

Not seen, as in the execution cache: source read without running it (``inspect.getsource``,
through ``linecache``), code run in other processes other than through the machinery
listed, and what a cache in the test process (``functools.cache``) computed for an earlier
test (the test that filled it carries the dependency). A test whose trace hook was replaced
(a test of a tracer, a debugger) is not recorded, so it always runs.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
from execblog.execution.deps import MODULE, SourceUnits  # noqa: E402

# Not the project's sources: the environment, caches, version control.
OUTSIDE = {".venv", ".cache", ".git", "node_modules", ".pytest_cache", ".hypothesis",
           ".ruff_cache", "screenshots", "__pycache__"}
# What a process started by a test (a build of a copy of the fixture site, node, Chromium
# over a built site) may read of the project without this process seeing it.
MACHINERY = ["execblog", "nn", "scripts", "overrides", "docs/stylesheets", "docs/javascripts",
             "docs/assets", "mkdocs.yml", "pyproject.toml", "package.json", "tests/fixtures"]
ENVIRONMENT = ["requirements.lock", "package-lock.json"]
VERSION = 1
_recorders: list[Recorder] = []  # the one recording in this process, if any


_unrecorded = threading.local()


@contextmanager
def unrecorded() -> Iterator[None]:
    """Files this thread opens, and folders it lists, inside the block are no test's
    dependency. For the browser harness's server: Material's script on every page fetches
    the site's sitemap.xml (to tell the site's own links), which every new post changes;
    what a page's check finds does not depend on it (tests/site/test_links.py checks the
    sitemap itself), so recording it would rerun every page's check after each post. And
    for finding one post among all (tests/site/checks.py ``named_post``), which reads them
    all: the test then reads what it found, recorded."""
    before = getattr(_unrecorded, "on", False)
    _unrecorded.on = True
    try:
        yield
    finally:
        _unrecorded.on = before  # a block inside another leaves the outer one unrecorded


def depends_on_machinery() -> None:
    """Note that the test or fixture running now depends on what a process of the build
    machinery reads (e.g. it reads a site another xdist worker built)."""
    for recorder in _recorders:
        if recorder.stack:
            recorder.stack[-1].process = True


def relative(path: str, root: str) -> str | None:
    """``path`` relative to the project at ``root`` if it is one of its sources or data
    files (this module, which records, is not)."""
    if not path.startswith(root + os.sep) or path == __file__:
        return None
    rel = path[len(root) + 1:]
    if rel.split(os.sep, 1)[0] in OUTSIDE or "site-packages" in rel:
        return None
    return rel


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


class Digests:
    """Digests of the project as this run first saw it (a later edit, during the run, is
    seen by the next run: records hold what the tests ran against)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.values: dict[tuple[str, str], str | None] = {}
        self.units: dict[str, SourceUnits | None] = {}

    def get(self, kind: str, key: str) -> str | None:
        known = self.values.get((kind, key), False)
        if known is False:
            known = self.values[(kind, key)] = getattr(self, "_" + kind)(key)
        return known

    def _units(self, rel: str) -> SourceUnits | None:
        if rel not in self.units:
            try:
                self.units[rel] = SourceUnits((self.root / rel).read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                self.units[rel] = None
        return self.units[rel]

    def _unit(self, key: str) -> str | None:
        rel, _, unit = key.partition("::")
        parsed = self._units(rel)
        return parsed.digests.get(unit) if parsed else None

    def _file(self, rel: str) -> str | None:
        try:
            return _digest((self.root / rel).read_bytes())
        except OSError:
            return None

    def _dir(self, rel: str) -> str | None:
        try:
            return _digest("\n".join(sorted(os.listdir(self.root / rel))).encode())
        except OSError:
            return None

    def _machinery(self, _: str) -> str:
        files = []
        for name in MACHINERY:
            path = self.root / name
            found = [path] if path.is_file() else sorted(path.rglob("*"))
            files += [f for f in found if f.is_file() and "__pycache__" not in f.parts]
        return _digest(b"".join(f.relative_to(self.root).as_posix().encode() + b"\0"
                                + f.read_bytes() for f in files))

    def unit_of(self, rel: str, first_line: int, name: str) -> str:
        parsed = self._units(rel)
        return parsed.unit_of(first_line, name) if parsed else MODULE

    def environment(self) -> dict[str, str | None]:
        return {"python": sys.version.split()[0], "version": str(VERSION),
                "browser": browser_stamp(),
                **{name: self._file(name) for name in ENVIRONMENT}}


def browser_stamp() -> str | None:
    """The browser the tests drive (tests/browser/harness.py), as its executable's path, size
    and time: a page's checks depend on the browser as much as on the page, and an upgrade
    of the system's package replaces the file. (None: no browser.)"""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    try:
        found = os.stat(os.path.realpath(path))
    except OSError:
        return None
    return f"{path} {found.st_size} {found.st_mtime_ns}"


def built_site() -> Path | None:
    """The site of the successful build ``BLOG_BUILT_SITE`` names (``make test`` builds the
    blog before pytest starts), or None."""
    record = os.environ.get("BLOG_BUILT_SITE")
    if not record:
        return None
    try:
        build = json.loads(Path(record).read_text(encoding="utf-8"))
        site = Path(build["site"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return site if build.get("returncode") == 0 and (site / "index.html").is_file() else None


def built_into(site: Path) -> bool:
    """Whether ``BLOG_BUILT_SITE`` names a successful build of the blog into ``site``."""
    built = built_site()
    return built is not None and built.resolve() == site.resolve()


def reads_nothing_of_the_project(args) -> bool:
    """Playwright's driver, and the Chromium it starts: they read the built site through the
    test's own HTTP server (in this process, so each file served is recorded), nothing else
    of the project."""
    command = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    return any(f"{os.sep}playwright{os.sep}driver{os.sep}" in os.fsdecode(part)
               for part in command[:2])


class Scope:
    """What one test, or one fixture of wider scope, depended on."""

    def __init__(self) -> None:
        self.codes: set = set()
        self.opened: set[str] = set()
        self.listed: set[str] = set()
        self.process = False
        self.intact = True  # the trace hook stayed ours throughout


class Recorder:
    """The trace hook and the patched ``open``/``listdir``/``scandir``/``Popen``: everything
    seen goes into the innermost scope open in this process (threads included)."""

    def __init__(self) -> None:
        self.codes: set = set()
        self.opened: set[str] = set()
        self.listed: set[str] = set()
        self.stack: list[Scope] = []
        codes = self.codes

        def trace(frame, event, arg):
            codes.add(frame.f_code)  # a 'call' event; returning None traces no lines

        self.trace = trace

    def install(self) -> None:
        _recorders.append(self)
        sys.settrace(self.trace)
        threading.settrace(self.trace)
        opened, listed, real_open = self.opened, self.listed, builtins.open
        real_listdir, real_scandir, real_popen_init = os.listdir, os.scandir, \
            subprocess.Popen.__init__
        recorder = self

        def recording_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)) and not set(mode) & set("wax+") \
                    and not getattr(_unrecorded, "on", False):
                opened.add(os.path.abspath(os.fsdecode(file)))
            return real_open(file, mode, *args, **kwargs)

        def recording_listdir(path="."):
            if isinstance(path, (str, bytes, os.PathLike)) \
                    and not getattr(_unrecorded, "on", False):
                listed.add(os.path.abspath(os.fsdecode(path)))
            return real_listdir(path)

        def recording_scandir(path="."):
            if isinstance(path, (str, bytes, os.PathLike)) \
                    and not getattr(_unrecorded, "on", False):
                listed.add(os.path.abspath(os.fsdecode(path)))
            return real_scandir(path)

        def recording_popen_init(self, args, *rest, **kwargs):
            if recorder.stack and not reads_nothing_of_the_project(args):
                recorder.stack[-1].process = True
            return real_popen_init(self, args, *rest, **kwargs)

        builtins.open = io.open = recording_open  # pathlib opens through io.open
        os.listdir, os.scandir = recording_listdir, recording_scandir
        subprocess.Popen.__init__ = recording_popen_init

    def drain(self) -> None:
        """Move what was seen so far into the innermost scope."""
        if self.stack:
            scope = self.stack[-1]
            scope.codes |= self.codes
            scope.opened |= self.opened
            scope.listed |= self.listed
            if sys.gettrace() is not self.trace:
                scope.intact = False
        self.codes.clear()
        self.opened.clear()
        self.listed.clear()

    def push(self) -> Scope:
        self.drain()
        if sys.gettrace() is not self.trace:  # replaced by an earlier test: take it back
            sys.settrace(self.trace)
        self.stack.append(Scope())
        return self.stack[-1]

    def pop(self) -> Scope:
        self.drain()
        return self.stack.pop()


class Selection:
    """The plugin: records each test's dependencies, and with ``--changed`` deselects the
    tests whose dependencies are unchanged since they last passed."""

    def __init__(self, config: pytest.Config, select: bool) -> None:
        self.config = config
        self.select = select
        self.root = config.rootpath
        self.store = Path(os.environ.get("BLOG_TEST_DEPS",
                                         self.root / ".cache" / "test-deps.json"))
        self.digests = Digests(self.root)
        self.recorder = Recorder()
        self.fixture_scopes: dict[int, Scope] = {}
        self.imports: dict[str, list[str]] = {}
        self.failed: set[str] = set()
        self.records: dict[str, list[list[str]]] = {}  # passed in this process
        self.deselected = 0
        self.why_all = ""
        self.worker = hasattr(config, "workerinput")
        # Under xdist the controller runs no test: it merges what the workers recorded.
        self.controller = not self.worker and config.getoption("dist", "no") != "no"
        self.records_before = self.load() if select else {}
        self.site_recorded = built_into(self.root / "site")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session) -> None:
        if not self.controller:
            self.recorder.install()  # after collection: importing the tests is not traced

    # --- Stored records --------------------------------------------------------------

    def load(self) -> dict[str, list[tuple[str, str, str | None]]]:
        try:
            data = json.loads(self.store.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.why_all = f"no record of earlier runs in {self.store}: every test runs"
            return {}
        if data.get("environment") != self.digests.environment():
            self.why_all = ("Python, a lock file or the browser changed since the tests were "
                            "recorded: every test runs")
            return {}
        table = data["deps"]
        return {nodeid: [tuple(table[i]) for i in indices]
                for nodeid, indices in data["tests"].items()}

    def save(self, passed: dict, failed: set[str]) -> None:
        try:
            data = json.loads(self.store.read_text(encoding="utf-8"))
            old = {} if data.get("environment") != self.digests.environment() else {
                nodeid: [tuple(data["deps"][i]) for i in indices]
                for nodeid, indices in data["tests"].items()}
        except (OSError, ValueError, KeyError):
            old = {}
        tests = {nodeid: deps for nodeid, deps in old.items() if nodeid not in failed}
        tests.update({nodeid: [tuple(d) for d in deps] for nodeid, deps in passed.items()})
        table: dict[tuple, int] = {}
        encoded = {nodeid: [table.setdefault(dep, len(table)) for dep in deps]
                   for nodeid, deps in sorted(tests.items())}
        self.store.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.store.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"environment": self.digests.environment(),
                                         "deps": list(table), "tests": encoded}),
                             encoding="utf-8")
        temporary.replace(self.store)

    # --- Selection -------------------------------------------------------------------

    def unchanged(self, deps) -> bool:
        return all(self.digests.get(kind, key) == value for kind, key, value in deps)

    def always(self, item: pytest.Item) -> bool:
        """A test that runs whatever changed: marked ``always``, or a check of a built blog
        whose files are not recorded (see the module's docstring)."""
        return item.get_closest_marker("always") is not None or (
            "built_site" in getattr(item, "fixturenames", ()) and not self.site_recorded)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items) -> None:
        if not self.select:
            return
        records = self.records_before
        if not records:
            return
        keep, drop = [], []
        for item in items:
            deps = records.get(item.nodeid)
            if deps is not None and not self.always(item) and self.unchanged(deps):
                drop.append(item)
            else:
                keep.append(item)
        if drop:
            items[:] = keep
            config.hook.pytest_deselected(items=drop)
        self.deselected = len(drop)
        if self.worker:
            config.workeroutput["selection_deselected"] = self.deselected

    # --- Recording -------------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        if fixturedef.scope == "function":
            yield
            return
        self.recorder.push()
        try:
            yield
        finally:
            self.fixture_scopes[id(fixturedef)] = self.recorder.pop()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.recorder.push()
        try:
            yield
        finally:
            scope = self.recorder.pop()
        if item.nodeid in self.failed:
            return
        if "built_site" in getattr(item, "fixturenames", ()) and not self.site_recorded:
            self.forget(item.nodeid)  # what it read of the built blog is not known
            return
        scopes = [scope]
        for name in getattr(item, "fixturenames", ()):
            for fixturedef in item._fixtureinfo.name2fixturedefs.get(name, ()):
                if id(fixturedef) in self.fixture_scopes:
                    scopes.append(self.fixture_scopes[id(fixturedef)])
        if not all(s.intact for s in scopes):
            self.forget(item.nodeid)  # its trace hook was replaced: what it ran is unknown
            return
        self.records[item.nodeid] = self.dependencies(item, scopes)
        if self.worker:
            self.config.workeroutput.setdefault("selection_passed", {})[item.nodeid] = \
                self.records[item.nodeid]

    def pytest_runtest_logreport(self, report) -> None:
        # A skipped test is not recorded either: what it was skipped for may change.
        if report.failed or (report.skipped and not hasattr(report, "wasxfail")):
            self.forget(report.nodeid)

    def forget(self, nodeid: str) -> None:
        """No record for this test: it runs next time (its earlier record is dropped)."""
        if nodeid not in self.failed:
            self.failed.add(nodeid)
            if self.worker:
                self.config.workeroutput.setdefault("selection_failed", []).append(nodeid)

    def dependencies(self, item: pytest.Item, scopes: list[Scope]) -> list[list[str]]:
        root = str(self.root)
        units: set[str] = set()
        files: set[str] = set()
        dirs: set[str] = set()
        for scope in scopes:
            for code in scope.codes:
                rel = relative(code.co_filename, root)
                if rel and rel.endswith(".py"):
                    unit = self.digests.unit_of(rel, code.co_firstlineno, code.co_name)
                    units.add(f"{rel}::{unit}")
            files.update(r for r in (relative(p, root) for p in scope.opened)
                         if r and os.path.isfile(self.root / r))
            dirs.update(r for r in (relative(p, root) for p in scope.listed) if r)
        module = getattr(item, "module", None)
        if module is not None and getattr(module, "__file__", None):
            for rel in self.imported(module.__file__, item.path):
                units.add(f"{rel}::{MODULE}")
        deps = [["unit", key, self.digests.get("unit", key)] for key in sorted(units)]
        deps += [["file", key, self.digests.get("file", key)] for key in sorted(files)]
        deps += [["dir", key, self.digests.get("dir", key)] for key in sorted(dirs)]
        if any(scope.process for scope in scopes):
            deps.append(["machinery", "", self.digests.get("machinery", "")])
        return deps

    def imported(self, module_file: str, path: Path) -> list[str]:
        """The test module, its conftest files and the project modules they import,
        transitively (what ran when they were imported)."""
        start = [module_file]
        directory = path.parent
        while directory == self.root or self.root in directory.parents:
            if (directory / "conftest.py").is_file():
                start.append(str(directory / "conftest.py"))
            directory = directory.parent
        seen: set[str] = set()
        root = str(self.root)
        todo = [f for f in start if relative(f, root)]
        while todo:
            file = todo.pop()
            if file in seen:
                continue
            seen.add(file)
            todo += self.imports_of(file)
        return sorted(filter(None, (relative(f, root) for f in seen)))

    def imports_of(self, file: str) -> list[str]:
        """The project files the module at ``file`` imports (as loaded in this process)."""
        if file in self.imports:
            return self.imports[file]
        names: set[str] = set()
        try:
            tree = ast.parse(Path(file).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            tree = ast.Module(body=[], type_ignores=[])
        package = next((m.__package__ for m in list(sys.modules.values())
                        if getattr(m, "__file__", None) == file), None) or ""
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    names.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor).strip(".")
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
        found = []
        for name in names:
            module = sys.modules.get(name)
            location = getattr(module, "__file__", None)
            if location and relative(location, str(self.root)) and location.endswith(".py"):
                found.append(location)
        self.imports[file] = found
        return found

    # --- The end of the run ----------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        output = getattr(node, "workeroutput", {})
        self.records.update(output.get("selection_passed", {}))
        self.failed.update(output.get("selection_failed", []))
        self.deselected = max(self.deselected, output.get("selection_deselected", 0))

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        if self.worker:
            return
        self.save(self.records, self.failed)
        if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and self.deselected:
            session.exitstatus = pytest.ExitCode.OK  # nothing changed: nothing to run

    def pytest_report_collectionfinish(self, config, start_path, items):
        if self.select and self.why_all and not self.worker:
            return self.why_all
        return None

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.select:
            return
        if self.deselected:
            terminalreporter.write_line(
                f"{self.deselected} tests deselected: unchanged since they last passed "
                "(`make test-all` runs every test)")
        elif self.why_all:
            terminalreporter.write_line(self.why_all)


def pytest_addoption(parser) -> None:
    group = parser.getgroup("selection", "selection of tests by their recorded dependencies")
    group.addoption("--changed", action="store_true",
                    help="run only the tests whose recorded dependencies changed (and new "
                         "and failed ones); record what each test depends on")
    group.addoption("--record-deps", action="store_true",
                    help="run every test and record what each depends on")


def pytest_configure(config) -> None:
    select = config.getoption("--changed")
    if select or config.getoption("--record-deps"):
        config.pluginmanager.register(Selection(config, select), "selection-by-deps")
