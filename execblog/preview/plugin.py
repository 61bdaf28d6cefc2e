"""`execblog-preview`: under `mkdocs serve`, rebuild what a save can change, once per change.

MkDocs keeps this plugin (it has ``on_startup``) across the server's rebuilds, and with it
the preview's memory of the last build (``incremental.Incremental``).
"""

from __future__ import annotations

import errno
import socket

from mkdocs.config import base
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority

from execblog.preview.incremental import Incremental


class PreviewConfig(base.Config):
    pass


class PreviewPlugin(BasePlugin[PreviewConfig]):
    def __init__(self) -> None:
        self.incremental = Incremental()
        self.address_checked = False

    def on_startup(self, *, command, dirty):
        self.incremental.on_startup(command, dirty)
        self.address_checked = command != "serve"

    def on_config(self, config):
        # Before the first build, not after it (MkDocs binds the address only then, and a
        # second `make serve` ended in a traceback); the later rebuilds are its own server's.
        if not self.address_checked:
            self.address_checked = True
            address_in_use(config.dev_addr.host, config.dev_addr.port)
        return config

    def on_serve(self, server, *, config, builder):
        return self.incremental.on_serve(server)

    def on_pre_build(self, *, config):
        self.incremental.on_pre_build()

    def on_nav(self, nav, *, config, files):
        return self.incremental.on_nav(nav, config, files)

    @event_priority(200)  # first: `html` is still exactly what Page.render produced
    def on_page_content(self, html, *, page, config, files):
        return self.incremental.on_page_content(html, page)

    @event_priority(50)  # before autorefs resolves cross-references, in its own on_env
    def on_env(self, env, *, config, files):
        return self.incremental.on_env(env, config, files)

    def on_build_error(self, *, error):
        self.incremental.on_build_error()

    def on_post_build(self, *, config):
        self.incremental.on_post_build(config)


def address_in_use(host: str, port: int) -> None:
    """Fail in one sentence if another process serves at ``host:port`` (bound as MkDocs'
    server binds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PluginError(
                f"Cannot serve at {host}:{port}: another process is serving there (a "
                f"`make serve` already running?). Stop it, or serve elsewhere: .venv/bin/mkdocs "
                f"serve --dirty --dev-addr {host}:{port + 1}") from None
