"""`pytest --changed` (tests/selection.py) on a small project of its own: it runs exactly the
tests a change can affect, and says how many it left out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FILES = {
    "pytest.ini": "[pytest]\naddopts = -p tests.selection -p no:cacheprovider -p no:randomly\n",
    "lib/__init__.py": "",
    "lib/maths.py": """
        SCALE = 2


        def double(x):
            return SCALE * x


        def square(x):
            return x * x
        """,
    "data/values.txt": "1 2 3\n",
    "test_double.py": """
        from lib.maths import double


        def test_double():
            assert double(2) == 4
        """,
    "test_square.py": """
        from lib.maths import square


        def test_square():
            assert square(3) == 9


        def test_square_of_zero():
            assert square(0) == 0
        """,
    "test_data.py": """
        from pathlib import Path


        def test_values():
            assert Path("data/values.txt").read_text().split()[0] == "1"
        """,
    "test_alone.py": """
        def test_nothing_of_the_project():
            assert 1 + 1 == 2
        """,
}


@pytest.fixture
def project(tmp_path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path


def pytest_run(project: Path, *args: str, env: dict | None = None) -> tuple[set[str], str]:
    """Run pytest with ``--changed`` in ``project``: the tests that ran, and the output."""
    environment = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{project}",
                   "BLOG_TEST_DEPS": str(project / ".cache" / "deps.json")}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "BLOG_BUILT_SITE"):
        environment.pop(name, None)  # this run's, not the small project's
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "--changed",
         *(args if "-n" in args else ("-p", "no:xdist", *args))],
        cwd=project, env=environment, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    ran = set(re.findall(r"^(?:PASSED|FAILED|ERROR) (\S+::\S+)", output, re.M))
    expected_exit = 1 if "FAILED" in output or "ERROR" in output else 0
    assert result.returncode == expected_exit, output
    return ran, output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


ALL = {"test_double.py::test_double", "test_square.py::test_square",
       "test_square.py::test_square_of_zero", "test_data.py::test_values",
       "test_alone.py::test_nothing_of_the_project"}


def test_without_records_every_test_runs_then_unchanged_ones_are_deselected(project) -> None:
    ran, output = pytest_run(project)
    assert ran == ALL
    assert "no record of earlier runs" in output
    ran, output = pytest_run(project)
    assert ran == set()
    assert "5 tests deselected: unchanged since they last passed" in output


def test_an_edit_to_one_function_reruns_exactly_the_tests_that_ran_it(project) -> None:
    pytest_run(project)
    edit(project / "lib/maths.py", "return x * x", "return x ** 2")
    ran, output = pytest_run(project)
    assert ran == {"test_square.py::test_square", "test_square.py::test_square_of_zero"}
    assert "3 tests deselected" in output
    # A module's top level (a constant, an import) reruns the tests that import the module.
    edit(project / "lib/maths.py", "SCALE = 2", "SCALE = 2  # the factor")
    ran, _ = pytest_run(project)
    assert ran == {"test_double.py::test_double", "test_square.py::test_square",
                   "test_square.py::test_square_of_zero"}


def test_a_new_test_and_an_edited_test_run(project) -> None:
    pytest_run(project)
    (project / "test_new.py").write_text("def test_new():\n    assert True\n")
    edit(project / "test_square.py", "square(0) == 0", "square(0) == 0 * 0")
    ran, _ = pytest_run(project)
    assert ran == {"test_new.py::test_new", "test_square.py::test_square_of_zero"}


def test_an_edit_to_a_file_a_test_read_reruns_it(project) -> None:
    pytest_run(project)
    (project / "data/values.txt").write_text("1 2 3 4\n")
    ran, _ = pytest_run(project)
    assert ran == {"test_data.py::test_values"}


def test_a_failed_test_runs_until_it_passes(project) -> None:
    (project / "test_flaky.py").write_text(
        "import os\n\ndef test_flaky():\n    assert os.environ.get('FIXED')\n")
    ran, output = pytest_run(project)
    assert "FAILED test_flaky.py::test_flaky" in output
    ran, output = pytest_run(project)  # nothing changed, but it failed: it runs again
    assert ran == {"test_flaky.py::test_flaky"} and "FAILED" in output
    ran, _ = pytest_run(project, env={"FIXED": "1"})
    assert ran == {"test_flaky.py::test_flaky"}
    ran, _ = pytest_run(project)
    assert ran == set()


def test_a_test_that_starts_a_process_depends_on_the_machinery(project) -> None:
    """What a build or a browser reads is not seen from here: such a test depends on every
    file of the machinery (execblog/, nn/, mkdocs.yml, ...)."""
    (project / "execblog").mkdir()
    (project / "execblog" / "build.py").write_text("print('built')\n")
    (project / "test_process.py").write_text(textwrap.dedent("""
        import subprocess
        import sys


        def test_build():
            run = subprocess.run([sys.executable, "execblog/build.py"], capture_output=True)
            assert run.stdout == b"built\\n"
        """))
    pytest_run(project)
    (project / "execblog" / "build.py").write_text("print('built')  # again\n")
    ran, _ = pytest_run(project)
    assert ran == {"test_process.py::test_build"}


def built_blog(project: Path, returncode: int = 0) -> dict:
    """A built blog in ``project/site`` (two pages), its tests, and the environment of
    ``make test``: ``BLOG_BUILT_SITE`` names the build's record."""
    for name, text in {"site/index.html": "home", "site/about/index.html": "about"}.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    (project / "conftest.py").write_text(textwrap.dedent("""
        import json
        import os
        import shutil
        from pathlib import Path

        import pytest


        def pytest_configure(config):
            config.addinivalue_line("markers", "post: a post's own test")
            config.addinivalue_line("markers", "always: runs whatever changed")


        @pytest.fixture(scope="session")
        def built_site(tmp_path_factory):
            if not os.environ.get("BLOG_BUILT_SITE"):  # a bare pytest builds it elsewhere
                site = tmp_path_factory.mktemp("built")
                shutil.copytree("site", site, dirs_exist_ok=True)
                return site
            record = json.loads(Path(os.environ["BLOG_BUILT_SITE"]).read_text())
            assert record["returncode"] == 0, "the build failed"
            return Path(record["site"])
        """))
    (project / "test_site.py").write_text(textwrap.dedent("""
        import pytest


        def test_home(built_site):
            assert (built_site / "index.html").read_text()


        def test_about(built_site):
            assert (built_site / "about" / "index.html").read_text()


        @pytest.mark.always
        def test_the_log(built_site):
            assert built_site
        """))
    record = project / ".cache" / "site-build.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"returncode": returncode, "output": "",
                                  "site": str(project / "site")}))
    return {"BLOG_BUILT_SITE": str(record)}


SITE_TESTS = {"test_site.py::test_home", "test_site.py::test_about",
              "test_site.py::test_the_log"}


def test_a_check_of_the_built_blog_reruns_when_a_page_it_read_changed(project) -> None:
    env = built_blog(project)
    ran, _ = pytest_run(project, env=env)
    assert ran == ALL | SITE_TESTS
    ran, _ = pytest_run(project, env=env)
    assert ran == {"test_site.py::test_the_log"}  # marked always
    (project / "site" / "about" / "index.html").write_text("about, rebuilt")
    ran, _ = pytest_run(project, env=env)
    assert ran == {"test_site.py::test_about", "test_site.py::test_the_log"}


def test_checks_of_a_blog_built_elsewhere_or_failed_always_run(project) -> None:
    """Without a record of a build into site/, what a check read of the blog is not known
    (a bare pytest builds it into a temporary directory): every check runs, and none is
    recorded. A failed build's checks run to say why."""
    env = built_blog(project)
    ran, _ = pytest_run(project)
    assert ran == ALL | SITE_TESTS
    ran, _ = pytest_run(project)
    assert ran == SITE_TESTS
    ran, _ = pytest_run(project, env=env)  # make test: none was recorded
    assert ran == SITE_TESTS
    built_blog(project, returncode=1)
    ran, output = pytest_run(project, env=env)
    assert SITE_TESTS <= ran and "the build failed" in output
    built_blog(project, returncode=0)
    ran, _ = pytest_run(project, env=env)
    assert ran == SITE_TESTS  # failed last time: they run until they pass
    ran, _ = pytest_run(project, env=env)
    assert ran == {"test_site.py::test_the_log"}


def test_records_of_xdist_workers_are_merged(project) -> None:
    pytest_run(project, "-n", "2")
    ran, output = pytest_run(project, "-n", "2")
    assert ran == set()
    assert "5 tests deselected: unchanged since they last passed" in output
    edit(project / "lib/maths.py", "return SCALE * x", "return x * SCALE")
    ran, _ = pytest_run(project, "-n", "2")
    assert ran == {"test_double.py::test_double"}


def test_what_a_wider_fixture_read_counts_for_every_test_that_uses_it(project) -> None:
    """A session fixture is set up by the first test that asks for it; the second test still
    depends on what the fixture read and ran."""
    (project / "conftest.py").write_text(textwrap.dedent("""
        from pathlib import Path

        import pytest


        @pytest.fixture(scope="session")
        def values():
            return Path("data/values.txt").read_text().split()
        """))
    (project / "test_values.py").write_text(textwrap.dedent("""
        def test_first(values):
            assert values


        def test_second(values):
            assert values
        """))
    pytest_run(project)
    (project / "data/values.txt").write_text("1 2\n")
    ran, _ = pytest_run(project)
    assert ran == {"test_values.py::test_first", "test_values.py::test_second",
                   "test_data.py::test_values"}


def test_a_skipped_test_runs_again(project) -> None:
    (project / "test_skipped.py").write_text(textwrap.dedent("""
        import os

        import pytest


        @pytest.mark.skipif(not os.environ.get("READY"), reason="not ready")
        def test_when_ready():
            assert True
        """))
    pytest_run(project)
    ran, output = pytest_run(project, "-rs")
    assert "not ready" in output and "1 skipped" in output
    ran, _ = pytest_run(project, env={"READY": "1"})
    assert ran == {"test_skipped.py::test_when_ready"}


def test_a_file_read_or_a_folder_listed_unrecorded_is_no_dependency(project) -> None:
    """The browser harness serves a site's sitemap.xml unrecorded (Material's script fetches
    it on every page, and every new post changes it): a post's check does not rerun."""
    (project / "test_served.py").write_text(textwrap.dedent("""
        import threading
        from pathlib import Path

        from tests.selection import unrecorded


        def serve():
            with unrecorded():
                Path("data/values.txt").read_text()
                assert sorted(p.name for p in Path("data").iterdir())


        def test_page_served_in_a_thread():
            thread = threading.Thread(target=serve)
            thread.start()
            thread.join()
            assert Path("data/other.txt").read_text() in ("x", "y")
        """))
    (project / "data" / "other.txt").write_text("x")
    pytest_run(project)
    (project / "data" / "new.txt").write_text("a file more in the folder it listed")
    ran, _ = pytest_run(project)
    assert ran == set()
    edit(project / "data" / "values.txt", "1 2 3", "1 2 4")
    ran, _ = pytest_run(project)
    assert ran == {"test_data.py::test_values"}  # it read the file as a dependency
    (project / "data" / "other.txt").write_text("x")  # rewritten, the same
    (project / "data" / "other.txt").write_text("y")  # what it reads recorded: it reruns
    ran, _ = pytest_run(project)
    assert ran == {"test_served.py::test_page_served_in_a_thread"}, ran


def test_another_browser_runs_every_test(project) -> None:
    """A page's checks depend on the browser as much as on the page: an upgrade of the
    system's Chromium (its executable replaced) runs everything again."""
    browser = project / "chromium"
    browser.write_text("#!/bin/sh\n")
    env = {"CHROMIUM_PATH": str(browser)}
    pytest_run(project, env=env)
    ran, _ = pytest_run(project, env=env)
    assert ran == set()
    browser.write_text("#!/bin/sh\n# a newer version\n")
    ran, output = pytest_run(project, env=env)
    assert ran == ALL
    assert "the browser changed since the tests were recorded" in output
