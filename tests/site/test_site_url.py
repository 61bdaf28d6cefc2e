"""The published address comes from SITE_URL (set by the docs workflow) or the placeholder."""

from __future__ import annotations

import os

import pytest
from mkdocs.config import load_config

from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (None, "https://example.github.io/ml-blog/"),
        ("https://someone.github.io/notes", "https://someone.github.io/notes/"),
    ],
)
def test_site_url_follows_the_environment(monkeypatch, environment, expected) -> None:
    if environment is None:
        monkeypatch.delenv("SITE_URL", raising=False)
    else:
        monkeypatch.setenv("SITE_URL", environment)
    monkeypatch.chdir(ROOT)
    config = load_config(config_file=os.fspath(ROOT / "mkdocs.yml"))
    assert config.site_url == expected
