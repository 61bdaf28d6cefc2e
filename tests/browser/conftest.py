"""One headless Chromium per test session, over the built site served at its deployed path."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import DESKTOP, Served, launch, screen, serve
from playwright.sync_api import sync_playwright


@pytest.fixture(scope="session")
def site(built_site) -> Path:
    return built_site.site


@pytest.fixture(scope="session")
def served(site) -> Served:
    with serve(site) as server:
        yield server


@pytest.fixture(scope="session")
def root_url(served) -> str:
    """The site's root URL as the browser sees it, ``http://site.test/ml-blog/``."""
    return served.root_url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except RuntimeError as error:
            pytest.fail(str(error), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, served):
    """Pages in fresh contexts (own storage, own viewport), closed after the test."""
    contexts = []

    def make(viewport=DESKTOP, color_scheme="light", touch=False):
        """``touch``: a phone's touch screen without hover, not only its width."""
        context = browser.new_context(
            viewport=viewport, color_scheme=color_scheme, proxy=served.proxy, **screen(touch)
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
