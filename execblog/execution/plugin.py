"""`execblog-execution`: executed blocks, run in worker processes, cached by what they ran."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.plugins import BasePlugin, event_priority

from execblog.execution import pool
from execblog.execution.run import Execution, Settings
from execblog.options import Count, Seconds, Size


class ExecutionConfig(base.Config):
    # Pages whose blocks run at once, each in its own worker process; 0: one per core.
    jobs = Count(least=0, default=0)
    # Address space a worker may use (a block's `memory` option overrides it).
    memory = Size(default=f"{pool.DEFAULT_MEMORY // 2**30}G")
    # Output a block may print and show (a block's `max_output` option overrides it).
    max_output = Size(default=f"{pool.DEFAULT_MAX_OUTPUT // 2**20}M")
    # Seconds a block may run (a block's `timeout` option overrides it).
    timeout = Seconds(default=120.0)


class ExecutionPlugin(BasePlugin[ExecutionConfig]):
    def __init__(self) -> None:
        self.execution = Execution()

    def on_startup(self, *, command, dirty):
        self.execution.on_startup(command, dirty)

    def on_config(self, config):
        self.execution.configure(Settings(jobs=self.config.jobs, memory=self.config.memory,
                                   max_output=self.config.max_output,
                                   timeout=self.config.timeout))
        return self.execution.on_config(config)

    def on_pre_build(self, *, config):
        self.execution.on_pre_build(config)

    @event_priority(-100)  # last: after the preview chose what to build
    def on_nav(self, nav, *, config, files):
        return self.execution.on_nav(nav, config, files)

    @event_priority(100)
    def on_page_markdown(self, markdown, *, page, config, files):
        return self.execution.on_page_markdown(markdown, page, config, files)

    @event_priority(100)
    def on_page_content(self, html, *, page, config, files):
        return self.execution.on_page_content(html, page, config, files)

    def on_post_page(self, output, *, page, config):
        return self.execution.on_post_page(output, page, config)

    def on_post_build(self, *, config):
        self.execution.on_post_build(config)

    def on_build_error(self, *, error):
        self.execution.on_build_error(error)

    def on_shutdown(self):
        self.execution.on_shutdown()
