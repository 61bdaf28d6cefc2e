"""A second `make serve` at the same address fails in one sentence before it builds (it ended
in a traceback from MkDocs' server, after a whole first build)."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from execblog.preview.plugin import PreviewPlugin, address_in_use


def config_at(port: int) -> SimpleNamespace:
    return SimpleNamespace(dev_addr=SimpleNamespace(host="127.0.0.1", port=port))


@pytest.fixture
def served():
    """A port another server listens on."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_an_address_in_use_is_named_with_another_to_use(served) -> None:
    with pytest.raises(PluginError, match=rf"Cannot serve at 127\.0\.0\.1:{served}: another "
                       rf"process is serving there .* --dev-addr 127\.0\.0\.1:{served + 1}"):
        address_in_use("127.0.0.1", served)


def test_a_free_address_passes() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    address_in_use("127.0.0.1", free)


def test_only_serve_checks_and_only_before_its_first_build(served) -> None:
    plugin = PreviewPlugin()
    plugin.on_startup(command="serve", dirty=True)
    with pytest.raises(PluginError):
        plugin.on_config(config_at(served))
    # Its rebuilds: the address is its own server's by then.
    assert plugin.on_config(config_at(served)) is not None
    plugin = PreviewPlugin()
    plugin.on_startup(command="build", dirty=False)
    assert plugin.on_config(config_at(served)) is not None
