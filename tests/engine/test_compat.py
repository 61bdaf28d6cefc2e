"""The engine's reliance on other packages' internals (execblog/compat.py) is pinned: each
upstream function or value it relies on has the digest it was checked against. After an
upgrade, a failure here names the function to re-read and the part of the engine to re-check
(then `python -m execblog.compat` prints the new digests)."""

from __future__ import annotations

import pytest

from execblog import compat


@pytest.mark.parametrize("coupling", compat.COUPLINGS, ids=lambda c: c.target)
def test_the_upstream_code_is_what_the_engine_was_checked_against(coupling) -> None:
    found = compat.digest_of(coupling.target)
    assert found == coupling.digest, (
        f"{coupling.target} changed upstream (digest {found}, checked against "
        f"{coupling.digest}): re-check {coupling.used_by}. Why the engine relies on it: "
        f"{coupling.why}")


def test_a_changed_upstream_function_is_caught(monkeypatch) -> None:
    import mkdocs.theme

    def get_env(self):  # what an upgrade might ship
        return None

    monkeypatch.setattr(mkdocs.theme.Theme, "get_env", get_env)
    assert "mkdocs.theme:Theme.get_env" in [c.target for c in compat.changed()]


def test_patched_functions_are_digested_as_upstream_wrote_them(tmp_path) -> None:
    compat.install_build_speedups(tmp_path / "jinja")  # replaces Theme.get_env, keeps .original
    assert "mkdocs.theme:Theme.get_env" not in [c.target for c in compat.changed()]


def test_the_preview_watches_the_same_paths_with_the_content_observer(tmp_path) -> None:
    from mkdocs.livereload import LiveReloadServer

    from execblog.preview import server as preview_server

    for name in ("docs", "nn"):
        (tmp_path / name).mkdir()
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0,
                              root=str(tmp_path))
    server.watch(str(tmp_path / "docs"))
    server.watch(str(tmp_path / "docs"))  # counted twice, as MkDocs does
    server.watch(str(tmp_path / "nn"))
    observer = preview_server.Preview().observer_class()(timeout=1.0)
    compat.use_content_observer(server, observer)
    assert server.observer is observer
    watched = sorted(emitter.watch.path for emitter in observer.emitters)
    assert watched == [str(tmp_path / "docs"), str(tmp_path / "nn")]
    server.unwatch(str(tmp_path / "docs"))  # the count survived the move
    assert len(observer.emitters) == 2
    server.unwatch(str(tmp_path / "docs"))
    assert [e.watch.path for e in observer.emitters] == [str(tmp_path / "nn")]
    server.server_close()
