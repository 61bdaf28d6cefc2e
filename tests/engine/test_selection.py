"""`pytest --changed` (tests/selection.py) on a small project of its own: it runs exactly the
tests a change can affect, and says how many it left out."""

from __future__ import annotations

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
                   "BLOG_TEST_DEPS": str(project / ".cache" / "deps.json"), **(env or {})}
    environment.pop("PYTEST_XDIST_WORKER", None)
    environment.pop("PYTEST_ADDOPTS", None)
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


def test_checks_of_the_built_blog_always_run_and_a_posts_own_do_not(project) -> None:
    (project / "conftest.py").write_text(textwrap.dedent("""
        import pytest


        def pytest_configure(config):
            config.addinivalue_line("markers", "post: a post's own test")


        @pytest.fixture(scope="session")
        def built_site():
            return "site"
        """))
    (project / "test_site.py").write_text(textwrap.dedent("""
        import pytest


        def test_whole_site(built_site):
            assert built_site


        @pytest.mark.post
        def test_one_post_page(built_site):
            assert built_site
        """))
    pytest_run(project)
    ran, _ = pytest_run(project)
    assert ran == {"test_site.py::test_whole_site"}


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


def test_a_file_read_unrecorded_is_no_dependency(project) -> None:
    """The browser harness serves a site's sitemap.xml unrecorded (Material's script fetches
    it on every page, and every new post changes it): a post's check does not rerun."""
    (project / "test_served.py").write_text(textwrap.dedent("""
        import threading
        from pathlib import Path

        from tests.selection import unrecorded


        def serve():
            with unrecorded():
                Path("data/values.txt").read_text()


        def test_page_served_in_a_thread():
            thread = threading.Thread(target=serve)
            thread.start()
            thread.join()
            assert Path("data/other.txt").read_text() in ("x", "y")
        """))
    (project / "data" / "other.txt").write_text("x")
    pytest_run(project)
    edit(project / "data" / "values.txt", "1 2 3", "1 2 4")
    ran, _ = pytest_run(project)
    assert ran == {"test_data.py::test_values"}  # it read the file as a dependency
    (project / "data" / "other.txt").write_text("x")  # rewritten, the same
    (project / "data" / "other.txt").write_text("y")  # what it reads recorded: it reruns
    ran, _ = pytest_run(project)
    assert ran == {"test_served.py::test_page_served_in_a_thread"}, ran
