"""Posts: front matter, notebook posts, snippet sections, lists of posts, API pages."""
