"""Builds under faults (hooks/build_guard.py, the caches' checksums): two builds of one
checkout at once, a build killed midway or failing, a read-only cache, damaged cache entries."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from execblog.build import guard as build_guard  # noqa: E402  (hooks/build_guard.py)
from execblog.search import index as search  # noqa: E402  (hooks/search.py)
from tests.conftest import MKDOCS, ROOT, run_build

POST = "docs/blog/posts/2026-01-05-alpha-descent.md"
WAITING = "Another build of this checkout"
DAMAGED = "was damaged (checksum mismatch)"
PATIENCE = 600  # seconds: bounds on waits, never expectations of speed


def files_of(site: Path) -> set[str]:
    return {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}


def leftovers(site: Path) -> list[str]:
    return sorted(path.name for path in site.parent.iterdir()
                  if path.name.startswith(f"{site.name}.") and path.is_dir())


def post_pages(site: Path) -> list[Path]:
    return sorted((site / "blog").glob("2026/*/*/*/index.html"))


def start_build(project: Path, site: Path, cache: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(cache)}
    with log.open("w") as out:
        # A session of its own: the test can kill the build with its workers and renderer.
        return subprocess.Popen([*MKDOCS, "build", "--strict", "--site-dir", str(site)],
                                cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_a_killed_build_leaves_the_previous_site_whole(fixture_project, tmp_path) -> None:
    site = tmp_path / "site"
    first = run_build(fixture_project, site)
    assert first.returncode == 0, first.output
    before = {name: (site / name).read_bytes() for name in files_of(site)}
    assert post_pages(site)

    # A cold cache: the build runs the blocks and typesets the formulas, so it is killed
    # with its pages half written.
    build = start_build(fixture_project, site, tmp_path / "cold-cache", tmp_path / "killed.log")
    try:
        def writing() -> bool:
            assert build.poll() is None, (tmp_path / "killed.log").read_text()
            return any(any((site.parent / name).iterdir()) for name in leftovers(site))

        wait_for(writing, "the build to write into its directory")
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    assert leftovers(site) == [f"site.building-{build.pid}"]
    # site/ is the previous build, every file of it, unchanged.
    assert {name: (site / name).read_bytes() for name in files_of(site)} == before

    again = run_build(fixture_project, site)
    assert again.returncode == 0, again.output
    assert f"left by an interrupted build (pid {build.pid})" in again.output
    assert leftovers(site) == []
    assert files_of(site) == set(before)


def test_a_failing_build_leaves_the_previous_site_whole(fixture_project, tmp_path) -> None:
    site = tmp_path / "site"
    assert run_build(fixture_project, site).returncode == 0
    before = {name: (site / name).read_bytes() for name in files_of(site)}
    # A broken link: a warning, which the strict build turns into a failure after every
    # page was written (MkDocs aborts after the last on_post_build).
    with (fixture_project / POST).open("a") as post:
        post.write("\nSee [the missing page](missing.md).\n")
    failed = run_build(fixture_project, site)
    assert failed.returncode != 0
    assert "missing.md" in failed.output
    assert {name: (site / name).read_bytes() for name in files_of(site)} == before
    assert leftovers(site) == []


def test_two_builds_at_once_wait_for_each_other_and_leave_one_whole_site(
        fixture_project, tmp_path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"  # cold: both would run every block
    lock_path = build_guard.lock_file(fixture_project.resolve(), cache)
    lock_path.parent.mkdir(parents=True)
    # The test holds the checkout's lock, so that both builds are surely running at once.
    with lock_path.open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write(f"pid {os.getpid()}, started just now, building {site}")
        lock.flush()
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        builds = [start_build(fixture_project, site, cache, log) for log in logs]
        try:
            for build, log in zip(builds, logs, strict=True):
                def waiting(build=build, log=log) -> bool:
                    assert build.poll() is None, log.read_text()
                    return WAITING in log.read_text()

                wait_for(waiting, f"{log.name} to say that it waits")
        except BaseException:
            for build in builds:
                os.killpg(build.pid, signal.SIGKILL)
            raise
        fcntl.flock(lock, fcntl.LOCK_UN)
    for build, log in zip(builds, logs, strict=True):
        assert build.wait(timeout=PATIENCE) == 0, log.read_text()
        output = log.read_text()
        assert f"(pid {os.getpid()}, started just now, building {site}); waiting" in output
        assert "Traceback" not in output
    # One of them waited for the other too (one line: it says so once, for the test's pid).
    assert [log.read_text().count(WAITING) for log in logs] == [1, 1]

    assert leftovers(site) == []
    assert post_pages(site)
    # Exactly the files of one build: nothing stray from the other.
    built = files_of(site)
    alone = run_build(fixture_project, tmp_path / "alone", cache=cache)
    assert alone.returncode == 0, alone.output
    assert built == files_of(tmp_path / "alone")


def test_the_lock_passes_from_build_to_build_though_its_file_is_removed(tmp_path) -> None:
    # A build removes the lock's file as it lets go; one that was waiting on that file must
    # take the lock of the file there now, or two builds would hold "the" lock at once.
    path, checkout, site = tmp_path / "build.lock", tmp_path / "checkout", tmp_path / "site"
    first = build_guard.acquire(path, checkout, site)
    taken = []
    second = threading.Thread(target=lambda: taken.append(
        build_guard.acquire(path, checkout, site)))
    second.start()
    wait_for(lambda: "pid" in path.read_text(), "the first holder's line")
    time.sleep(0.2)  # (the second is blocked in flock, or about to be: either will do)
    assert not taken
    build_guard.unlock(first)
    second.join(timeout=PATIENCE)
    assert taken, "the second never took the lock"
    assert os.stat(path).st_ino == os.fstat(taken[0].fileno()).st_ino
    with path.open("a+") as third, pytest.raises(BlockingIOError):
        fcntl.flock(third, fcntl.LOCK_EX | fcntl.LOCK_NB)
    build_guard.unlock(taken[0])
    assert not path.exists()


def read_only_mount_works() -> bool:
    probe = Path(f"/tmp/ro-probe-{os.getpid()}")
    probe.mkdir()
    try:
        result = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount --bind {probe} {probe} && "
             f"mount -o remount,bind,ro {probe} && ! touch {probe}/x"],
            capture_output=True, timeout=60)
        return result.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def build_with_read_only_cache(project: Path, site: Path, cache: Path) -> tuple[int, str]:
    """A strict build of ``project`` whose cache is ``cache`` mounted read-only (in a mount
    namespace of its own, gone with the build)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
           "BLOG_CACHE_DIR": str(cache)}
    script = (f'mount --bind "{cache}" "{cache}" && mount -o remount,bind,ro "{cache}" && '
              f'exec "$@"')
    result = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *MKDOCS, "build",
                             "--strict", "--site-dir", str(site)],
                            cwd=project, env=env, capture_output=True, text=True,
                            timeout=PATIENCE)
    return result.returncode, result.stdout + result.stderr


def assert_one_sentence(output: str, directory: Path, reason: str) -> None:
    sentence = (f"The build cache {directory} is not writable ({reason}); make it writable, "
                "delete it, or set execblog-build's cache_dir in mkdocs.yml (BLOG_CACHE_DIR) to "
                "another directory.")
    assert sentence in output, output
    assert "Traceback" not in output and "OperationalError" not in output, output
    assert len(re.findall(r"^ERROR", output, re.M)) == 1, output


def test_a_read_only_cache_fails_the_build_in_one_sentence(fixture_project, tmp_path) -> None:
    if not read_only_mount_works():
        pytest.skip("this machine cannot mount a directory read-only (needs root and "
                    "unshare); test_a_cache_under_a_file_... covers the sentence")
    cache = tmp_path / "cache"
    # A full cache, as a real one is: MathJax's database and execution entries to read.
    assert run_build(fixture_project, tmp_path / "warm", cache=cache).returncode == 0
    returncode, output = build_with_read_only_cache(fixture_project, tmp_path / "site", cache)
    assert returncode != 0
    assert_one_sentence(output, cache, "Read-only file system")
    assert not (tmp_path / "site").exists()


def test_a_cache_under_a_file_fails_the_build_in_one_sentence(fixture_project,
                                                               tmp_path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    cache = tmp_path / "a-file" / "cache"
    build = run_build(fixture_project, tmp_path / "site", cache=cache)
    assert build.returncode != 0
    assert_one_sentence(build.output, cache, "Not a directory")


def counts(output: str) -> tuple[int, int]:
    match = re.search(r"Executed blocks: (\d+) ran .*?, (\d+) from cache", output)
    assert match, f"no execution summary in the build output:\n{output}"
    return int(match[1]), int(match[2])


def test_a_damaged_execution_cache_entry_runs_again_and_is_reported(fixture_project,
                                                                     tmp_path) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    with (fixture_project / "docs" / "about.md").open("a") as about:
        about.write('\n```python exec="on"\nprint(6 * 7_000_007)\n```\n')
    cold = run_build(fixture_project, site, cache=cache)
    assert cold.returncode == 0, cold.output
    ran, _ = counts(cold.output)
    page = site / "about" / "index.html"
    assert "42000042" in page.read_text() and "43000042" not in page.read_text()

    # Damage that still parses: the printed number changes (in whatever the entry's format).
    printed = re.compile(r'(\\*")42000042(\\+n)')
    entries = [path for path in (cache / "exec").glob("*.json")
               if printed.search(path.read_text())]
    assert len(entries) == 1, entries
    entry = entries[0]
    entry.write_text(printed.sub(r"\g<1>43000042\2", entry.read_text(), count=1))

    again = run_build(fixture_project, site, cache=cache)
    assert again.returncode == 0, again.output
    assert counts(again.output) == (1, ran - 1)  # that page's one block, run again
    reports = [line for line in again.output.splitlines() if DAMAGED in line]
    assert len(reports) == 1 and str(entry) in reports[0], again.output
    assert "running the page's blocks again" in reports[0]
    assert "43000042" not in page.read_text() and "42000042" in page.read_text()
    # Replaced by a sound entry: the next build takes everything from the cache, silently.
    warm = run_build(fixture_project, site, cache=cache)
    assert counts(warm.output) == (0, ran) and DAMAGED not in warm.output


def test_a_damaged_mathjax_cache_entry_is_typeset_again(fixture_project, tmp_path) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    assert run_build(fixture_project, site, cache=cache).returncode == 0
    database = cache / "mathjax.sqlite"
    with sqlite3.connect(database) as db:
        key, svg = db.execute("SELECT key, svg FROM formula WHERE key NOT LIKE 'css:%' "
                              "ORDER BY key LIMIT 1").fetchone()
        db.execute("UPDATE formula SET svg = ? WHERE key = ?",
                   (svg.replace("<svg", '<svg data-damaged="yes"', 1), key))
    db.close()

    again = run_build(fixture_project, site, cache=cache)
    assert again.returncode == 0, again.output
    reports = [line for line in again.output.splitlines() if DAMAGED in line]
    assert len(reports) == 1 and key[:24] in reports[0], again.output
    assert "MathJax: 1 formulas rendered" in again.output
    assert not [path for path in site.rglob("*.html") if "data-damaged" in path.read_text()]

    # A database file damaged as a whole is started afresh, in one line.
    database.write_bytes(b"not a database" * 100)
    fresh = run_build(fixture_project, site, cache=cache)
    assert fresh.returncode == 0, fresh.output
    assert f"The MathJax cache {database} was damaged" in fresh.output
    assert "Traceback" not in fresh.output


def test_reading_the_site_names_a_page_removed_under_it(tmp_path, monkeypatch) -> None:
    from mkdocs.exceptions import PluginError

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<html></html>")
    real_rglob = Path.rglob

    def rglob_then_remove(self, pattern):
        found = list(real_rglob(self, pattern))
        for path in found:
            path.unlink()  # as another process cleaning the site would
        return iter(found)

    monkeypatch.setattr(Path, "rglob", rglob_then_remove)
    with pytest.raises(PluginError, match=r"a/index\.html.*removed while the site was read"):
        search.read_site(tmp_path)


def test_the_configuration_the_fixture_copies_has_the_guard() -> None:
    # The fixture site's mkdocs.yml is the real one with its page tree replaced.
    config = (ROOT / "mkdocs.yml").read_text()
    plugins = re.search(r"^plugins:\n((?:  .*\n|#.*\n|\n)+)", config, re.M)
    assert plugins, "mkdocs.yml has no plugins list"
    names = [name.rstrip(":") for name in re.findall(r"^  - (\S+)", plugins[1], re.M)]
    assert "execblog-build" in names
