"""The home page's latest posts, the topic calendar's streaks and the topics index."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from execblog.posts import listings as posts_hook

D = dt.date


@pytest.mark.parametrize(
    ("days", "today", "expected"),
    [
        (set(), D(2026, 11, 22), (0, 0)),
        ({D(2026, 11, 22)}, D(2026, 11, 22), (1, 1)),
        # A day without a post yet does not break the streak before it is over.
        ({D(2026, 11, 20), D(2026, 11, 21)}, D(2026, 11, 22), (2, 2)),
        ({D(2026, 11, 19), D(2026, 11, 20)}, D(2026, 11, 22), (0, 2)),
        ({D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3), D(2026, 11, 22)}, D(2026, 11, 22), (1, 3)),
        # Across a month and a year boundary.
        ({D(2025, 12, 31), D(2026, 1, 1)}, D(2026, 1, 1), (2, 2)),
    ],
)
def test_streaks(days, today, expected) -> None:
    assert posts_hook.streaks(days, today) == expected


def write_post(folder: Path, date: str, slug: str, extra: str = "") -> None:
    (folder / f"{date}-{slug}.md").write_text(
        f"---\ndate: {date}\ncategories: [Optimization]\ntags: [t-{slug}]\n"
        f"description: About {slug}.\n{extra}---\n\n# Title {slug}\n\nText.\n"
    )


def test_published_posts_leave_out_drafts_and_future_posts(tmp_path) -> None:
    folder = tmp_path / "blog" / "posts"
    folder.mkdir(parents=True)
    write_post(folder, "2026-11-20", "old")
    write_post(folder, "2026-11-21", "draft", "draft: true\n")
    write_post(folder, "2026-11-30", "future")
    write_post(folder, "2026-11-22", "today")
    posts = posts_hook.published_posts(tmp_path, today=D(2026, 11, 22))
    assert [p.title for p in posts] == ["Title today", "Title old"]
    calendar = posts_hook.calendar(posts, D(2026, 11, 22))
    assert calendar.count("topic-day--on") == 2
    assert "current streak **1** day " in calendar and "**2** topics" in calendar
    assert calendar.count('class="topic-day') >= 365
    index = posts_hook.topics_index(posts, "calendar.md")
    assert "### t-old" in index and "(blog/posts/2026-11-20-old.md)" in index
    assert "draft" not in index and "future" not in index
    # Each group folded, its count and newest date on the fold (a long list drawn open
    # held a phone's browser for 600 ms at 365 posts).
    groups = index.count("### ")
    assert groups >= 2 and index.count('<details class="topics" markdown="1">') == groups
    assert index.count("</details>") == groups
    assert "<summary>1 topic, the latest on 22 Nov 2026</summary>" in index, index
