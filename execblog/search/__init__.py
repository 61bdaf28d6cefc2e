"""The site's own chunked search index, written from the built pages."""
