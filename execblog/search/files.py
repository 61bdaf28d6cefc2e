"""Reading a written site's pages and writing the index's files into it: anew (written
beside the old index and swapped in whole), or under ``mkdocs serve`` by rewriting only
the files that changed (``Preview``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

from execblog.filememo import FileMemo
from execblog.search.extract import Page, read_page
from execblog.search.index import INDEX

# A page read before: its file's modification time and size, and what was read of it.
Known = FileMemo  # of Page | None: the pages read by earlier builds


def read_site(site: Path, known: Known) -> list[Page]:
    """The marked pages of the written site, in the order of their addresses. A file whose
    modification time and size are in ``known`` is not read again; ``known`` is replaced
    by what this reading found."""
    pages, seen = [], []
    for path in sorted(site.rglob("*.html")):
        if any(part.startswith(".") for part in path.relative_to(site).parts):
            continue
        try:
            page = known.get(path, lambda path: read_page(path, site))
        except FileNotFoundError:
            raise PluginError(f"search: {path} was removed while the site was read: is "
                              f"another process writing into {site}?") from None
        seen.append(path)
        if page:
            pages.append(page)
    known.keep_only(seen)
    return sorted(pages, key=lambda page: page.url)


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for name, data in files.items():
        path = folder / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)


def replace_index(current: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` as the index in ``current``, replacing the previous index whole: it
    is written beside it and swapped in (under ``mkdocs serve`` the site is written over,
    and old chunks would pile up)."""
    site = current.parent
    fresh, old = site / f".{INDEX}-new", site / f".{INDEX}-old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        fresh.mkdir(parents=True)
        write_files(fresh, files)
    except OSError as error:
        shutil.rmtree(fresh, ignore_errors=True)
        raise PluginError(f"search: cannot write the index into {fresh}: {error}") from error
    if current.exists():
        current.rename(old)
    fresh.rename(current)
    shutil.rmtree(old, ignore_errors=True)


class Preview:
    """Under ``mkdocs serve``: the index this process wrote last, so that the next one
    writes only the files that differ (a save changes a few fragments and chunks of
    thousands of files)."""

    def __init__(self) -> None:
        self.written: dict[str, bytes] | None = None

    def update(self, folder: Path, files: dict[str, bytes]) -> None:
        """Make ``folder`` the index ``files``: the changed files written, the fragments'
        directory renamed, files no longer in it removed, the manifest last. A query in
        between may find a file gone, and asks again."""
        old = self.written
        if old is None or not folder.is_dir():
            replace_index(folder, files)
            self.written = files
            return
        self.written = None  # until this update is complete
        fragments_dir = json.loads(files["manifest.json"])["fragments"]
        old_dir = json.loads(old["manifest.json"])["fragments"]
        try:
            if old_dir != fragments_dir:
                (folder / old_dir).rename(folder / fragments_dir)
                old = {name.replace(old_dir, fragments_dir, 1): data
                       for name, data in old.items()}
            write_files(folder, {name: data for name, data in files.items()
                                 if name != "manifest.json" and old.get(name) != data})
            removed = old.keys() - files.keys()
            for name in removed:
                (folder / name).unlink(missing_ok=True)
            for gone in {(folder / name).parent for name in removed}:
                if gone != folder and not any(gone.iterdir()):
                    gone.rmdir()  # a page's directory, once the pages are fewer
            write_files(folder, {"manifest.json": files["manifest.json"]})
        except OSError as error:
            raise PluginError(f"search: cannot update the index in {folder}: "
                              f"{error}") from error
        self.written = files
