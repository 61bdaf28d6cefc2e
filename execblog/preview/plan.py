"""What one preview rebuild writes, as a pure function of what changed since the last one.

No MkDocs here: the preview (incremental.py) describes the last build and this one in plain
values, and ``plan_rebuild`` answers. tests/engine/test_rebuild_plan.py tests it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# A post's signature: digests of (what a list of posts shows of it, its excerpt, its body).
Signature = tuple[str, str, str]


@dataclass(frozen=True)
class RebuildPlan:
    full: bool  # every page is written: a normal, complete build
    posts: frozenset[str] = frozenset()  # posts written (by source path)
    views: frozenset[str] = frozenset()  # index/archive/category pages written (by key)
    listed: frozenset[str] = frozenset()  # posts converted again for their excerpts only


FULL = RebuildPlan(full=True)


def changed_files(before: Mapping[str, str] | None, now: Mapping[str, str]) -> set[str] | None:
    """The watched files whose digest differs (added and removed ones included); None when
    there is no earlier build to compare with."""
    if before is None:
        return None
    return {name for name in before.keys() | now.keys() if before.get(name) != now.get(name)}


def plan_rebuild(
    before: Mapping[str, Signature] | None,
    now: Mapping[str, Signature],
    changed: set[str] | None,
    markdown: Mapping[str, str],
    depending_on: Callable[[set[str]], set[str]],
    views: Mapping[str, list[str]],
) -> RebuildPlan:
    """The pages one rebuild writes.

    ``before``/``now``: each post's signature at the last build and now; ``changed``: the
    project files changed since (``changed_files``); ``markdown``: each post's source, to
    find the posts that include a changed snippet folder; ``depending_on``: the pages whose
    executed blocks ran or read any of the given files (the execution cache's record);
    ``views``: each view page (index, archive, category page) with the posts it lists.

    Everything is rebuilt when there is no earlier build, when a file other than a snippet
    changed (the engine, nn/, mkdocs.yml, the theme: any page may show it), when a post was
    added or removed, or when what a list shows of a post changed (title, date, categories,
    description...). Otherwise the posts whose excerpt or body changed, that include a
    changed snippet folder, or whose blocks ran a changed file are written, with the views
    that list them; the other posts those views list are converted again (not written),
    since the blog plugin makes an excerpt while converting its post.
    """
    if (before is None or changed is None
            or any(not name.startswith("snippets/") for name in changed)
            or before.keys() != now.keys()
            or any(now[src][0] != before[src][0] for src in now)):
        return FULL
    posts = {src for src in now if now[src] != before[src]}
    folders = {name.split("/")[1] for name in changed if name.count("/") >= 2}
    for src, text in markdown.items():
        if any(f"{folder}/" in text or f"snippets.{folder}" in text for folder in folders):
            posts.add(src)
    if changed:
        posts |= depending_on(changed) & now.keys()
    rebuilt = {key for key, shown in views.items() if any(src in posts for src in shown)}
    listed = {src for key in rebuilt for src in views[key]} - posts
    return RebuildPlan(full=False, posts=frozenset(posts), views=frozenset(rebuilt),
                       listed=frozenset(listed))
