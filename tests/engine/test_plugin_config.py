"""The engine's options live in mkdocs.yml, in each plugin's Config schema: documented there,
validated (a wrong value fails naming the plugin and the option), overridable with !ENV."""

from __future__ import annotations

import logging
import re

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from execblog import compat
from tests.conftest import make_fixture_project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_fixture_project(tmp_path_factory.mktemp("config") / "project")


def with_options(project, plugin: str, options: dict[str, str]):
    """The fixture's mkdocs.yml with ``options`` given to ``plugin`` (replacing its own)."""
    text = (project / "mkdocs.yml").read_text()
    block = re.compile(rf"^  - {re.escape(plugin)}(?::\n(?:      .*\n)+|\n)", re.M)
    assert block.search(text), f"{plugin} is not in the fixture's mkdocs.yml"
    lines = "".join(f"      {key}: {value}\n" for key, value in options.items())
    path = project / f"mkdocs-{plugin}.yml"
    path.write_text(block.sub(f"  - {plugin}:\n{lines}", text, count=1))
    return path


def plugin_config(path, plugin: str):
    return load_config(config_file=str(path)).plugins[plugin].config


@pytest.mark.parametrize(("plugin", "option", "value", "expected"), [
    ("execblog-execution", "max_output", "lots", "expected a size more than zero"),
    ("execblog-execution", "memory", "0", "expected a size more than zero"),
    ("execblog-execution", "jobs", "-1", "expected a whole number of at least 0"),
    ("execblog-execution", "jobs", "two", "expected a whole number of at least 0"),
    ("execblog-execution", "timeout", "0", "expected a number of seconds more than zero"),
    ("execblog-execution", "timeout", "soon", "expected a number of seconds more than zero"),
    ("execblog-build", "cache_dir", "[a, b]", "Expected type"),
    ("execblog-execution", "jobz", "2", "Unrecognised configuration name: jobz"),
    ("execblog-mathjax", "assistive", "braille", "Expected one of: ('speech', 'mathml')"),
    ("execblog-mathjax", "merge_glyphs", "display", "Expected one of: (False, True, 'inline')"),
    ("execblog-search", "parts", "0", "expected a whole number of at least 1"),
])
def test_a_wrong_value_fails_naming_the_plugin_and_the_option(
        project, caplog, plugin, option, value, expected) -> None:
    path = with_options(project, plugin, {option: value})
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        config = plugin_config(path, plugin)
        if expected.startswith("Unrecognised"):  # MkDocs warns; strict mode aborts
            assert config is not None
            raise Abort("warned")
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert f"Plugin '{plugin}'" in messages and f"'{option}'" in messages, messages
    assert expected in messages, messages
    if not expected.startswith(("Unrecognised", "Expected type")):
        found = messages.replace("'", "")  # the value found, in our words or MkDocs'
        assert f"got {value}" in found or f"received: {value}" in found, messages


def test_sizes_and_counts_are_read_as_written(project) -> None:
    config = plugin_config(with_options(project, "execblog-execution", {
        "max_output": "8M", "memory": "2.5G", "jobs": "3", "timeout": "30"}),
        "execblog-execution")
    assert config.max_output == 8 * 2**20 and config.memory == int(2.5 * 2**30)
    assert config.jobs == 3 and config.timeout == 30.0


def test_the_environment_overrides_through_env_tags_in_mkdocs_yml(project, monkeypatch) -> None:
    monkeypatch.setenv("BLOG_EXEC_MAX_OUTPUT", "8M")
    monkeypatch.setenv("BLOG_EXEC_JOBS", "2")
    monkeypatch.setenv("BLOG_CACHE_DIR", "/tmp/elsewhere")
    config = load_config(config_file=str(project / "mkdocs.yml"))
    assert config.plugins["execblog-execution"].config.max_output == 8 * 2**20
    assert config.plugins["execblog-execution"].config.jobs == 2
    assert config.plugins["execblog-build"].config.cache_dir == "/tmp/elsewhere"
    monkeypatch.delenv("BLOG_EXEC_MAX_OUTPUT")
    monkeypatch.delenv("BLOG_EXEC_JOBS")
    config = load_config(config_file=str(project / "mkdocs.yml"))
    assert config.plugins["execblog-execution"].config.max_output == 2**20
    assert config.plugins["execblog-execution"].config.jobs == 0


def test_the_plugins_run_in_the_order_mkdocs_yml_lists_them(project) -> None:
    names = [name for name in load_config(config_file=str(project / "mkdocs.yml")).plugins
             if name.startswith("execblog-")]
    assert names[:2] == ["execblog-build", "execblog-preview"]
    assert names[-1] == "execblog-search"


def test_every_coupling_to_another_package_is_recorded_with_its_reason() -> None:
    assert compat.COUPLINGS
    for coupling in compat.COUPLINGS:
        assert coupling.why and coupling.upstream and coupling.used_by, coupling.target
        assert coupling.kind in ("patch", "private read", "package file"), coupling.target


# Options that a blog with execblog-posts never sets (the plugin says so beside the option).
UNLISTED = {("execblog-citations", "posts_dir")}


def test_every_option_is_listed_in_mkdocs_yml_where_a_mkdocs_user_looks() -> None:
    """mkdocs.yml's `plugins:` reads as the blog's build: each engine plugin lists every
    option of its Config schema, with a comment (and nothing the schema does not have)."""
    from pathlib import Path

    config = load_config(config_file=str(Path(__file__).parents[2] / "mkdocs.yml"))
    text = (Path(__file__).parents[2] / "mkdocs.yml").read_text()
    for name, plugin in config.plugins.items():
        if not name.startswith("execblog-"):
            continue
        block = re.search(rf"^  - {re.escape(name)}(?::\n((?:      .*\n|      #.*\n)+)|\n)",
                          text, re.M)
        assert block, f"{name} is not listed in mkdocs.yml"
        listed = set(re.findall(r"^      (\w+):", block[1] or "", re.M))
        schema = {key for key, _ in plugin.config_scheme} - {"enabled"}
        expected = schema - {option for owner, option in UNLISTED if owner == name}
        assert listed == expected, (name, sorted(expected - listed), sorted(listed - expected))
