"""A real `mkdocs serve --dirty` (as `make serve` runs it) on a copy of the fixture site,
for the preview's soak tests and benchmarks/bench_serve_idle.py: start it, save files, read
its log and its pages, measure its CPU time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import ROOT

STARTUP = 300.0  # seconds the first build may take on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Serving:
    def __init__(self, project: Path, cache: Path | None = None) -> None:
        self.project = project
        self.port = free_port()
        self.log_path = project / "serve.log"
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project),
               "BLOG_CACHE_DIR": str(cache or ROOT / ".cache")}
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--dev-addr",
             f"127.0.0.1:{self.port}"],
            cwd=project, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.wait_for(lambda: "Serving on" in self.log(), STARTUP, "the server to start")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def count(self, text: str) -> int:
        return self.log().count(text)

    def rebuilds(self) -> int:
        return self.count("Detected file changes")

    def reloads(self) -> int:
        return self.count("Reloading browsers")

    def wait_for(self, condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mkdocs serve exited ({self.process.returncode}) "
                                     f"waiting for {what}:\n{self.log()[-3000:]}")
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(f"waited {seconds:g} s for {what}:\n{self.log()[-3000:]}")

    def wait_idle(self, quiet: float = 3.0, most: float = 300.0) -> None:
        """Until the log has not grown for ``quiet`` seconds."""
        last, since = -1, time.monotonic()
        deadline = time.monotonic() + most
        while time.monotonic() < deadline:
            size = self.log_path.stat().st_size
            if size != last:
                last, since = size, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.2)
        raise AssertionError(f"the preview did not settle in {most:g} s:\n{self.log()[-3000:]}")

    def get(self, path: str, timeout: float = 120.0) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.port}/ml-blog/{path.lstrip('/')}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def cpu_seconds(self) -> float:
        """User and system CPU time the server process has used."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()
