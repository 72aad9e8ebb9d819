"""Oracle-only checks: the DBA_* dictionary (``obj``) and AWR plans (``plan``) and statistics (``stat``).

Importing the bundle registers its checks; TEXT checks shared by both databases live in
``checks/text.py`` and read Oracle statements with sqlglot's Oracle dialect.
"""

from themis.rules.checks.oracle import obj, plan, stat  # noqa: F401
