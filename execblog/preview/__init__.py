"""`mkdocs serve`: what a save rebuilds, and a server that settles between saves."""
