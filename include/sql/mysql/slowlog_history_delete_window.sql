{#- The --history rows of a window (the classes first seen in it), removed in the same transaction
    that writes the window's rows again: a re-run replaces them, never adds to them, and a class
    that is no longer in the window does not linger. -#}
DELETE FROM {{ ident(db) }}.{{ ident(table) }}
WHERE `ts_min` >= {{ bind(since) }} AND `ts_min` < {{ bind(until) }}
