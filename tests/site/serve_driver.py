"""Drive `mkdocs serve --dirty`'s rebuilds without a server, for test_serve_incremental.py.

Usage (cwd = a project copy): python serve_driver.py SITE_DIR EDITS_JSON
EDITS_JSON is a list of steps; each step is a list of [path, old, new] replacements applied
before one more rebuild. Each rebuild runs outside the main thread, as under `mkdocs serve`,
and a failed one does not stop the next. Prints one JSON line per build:
{"full": bool, "rebuilt": [...], "errors": [the errors it logged]}.

``python serve_driver.py --full SITE_DIR`` makes the reference: one complete (not dirty)
build as `mkdocs serve` makes it, drafts and future posts included.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if sys.argv[1] == "--full":
        cfg = load_config(config_file="mkdocs.yml", site_dir=sys.argv[2])
        cfg.plugins.on_startup(command="serve", dirty=False)
        build(cfg, dirty=False)
        cfg.plugins.on_shutdown()
        return
    site_dir, edits = sys.argv[1], json.loads(Path(sys.argv[2]).read_text())

    def config():
        return load_config(config_file="mkdocs.yml", site_dir=site_dir)

    first = config()
    first.plugins.on_startup(command="serve", dirty=True)
    # MkDocs keeps a plugin with on_startup across configurations: the preview's memory.
    preview = first.plugins["execblog-preview"].incremental

    class Errors(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.ERROR)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    def rebuild(cfg) -> None:
        errors = Errors()
        logging.getLogger().addHandler(errors)

        def run() -> None:
            try:
                build(cfg, dirty=True)
            except BaseException as error:  # noqa: BLE001 - `mkdocs serve` logs it, stays up
                errors.messages.append(f"build failed: {error}")

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        logging.getLogger().removeHandler(errors)
        print(json.dumps({"full": preview.full, "rebuilt": sorted(preview.rebuilt),
                          "errors": errors.messages}), flush=True)

    rebuild(first)
    for step in edits:
        for path, old, new in step:
            file = Path(path)
            text = file.read_text(encoding="utf-8")
            assert old in text, f"{old!r} not in {path}"
            file.write_text(text.replace(old, new, 1), encoding="utf-8")
        rebuild(config())
    first.plugins.on_shutdown()


if __name__ == "__main__":
    main()
