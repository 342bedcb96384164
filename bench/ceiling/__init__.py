"""The ceiling for the `pages` benchmark: the least a Django page can do.

One indexed query for 50 rows, rendered as a 7-cell table in a template that extends a
base layout, served the same way as Patternwork (gunicorn, the same worker class).
Patternwork's pages are measured against it, in the same run.
"""
