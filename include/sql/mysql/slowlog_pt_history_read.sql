{#- Rows of an existing pt-query-digest --history table whose class was first seen in the window,
    with the fingerprint from its --review table when there is one. -#}
SELECT h.*{% if review_table %}, r.`fingerprint` AS `review_fingerprint`{% endif %}
FROM {{ ident(db) }}.{{ ident(table) }} AS h
{% if review_table %}
LEFT JOIN {{ ident(review_db) }}.{{ ident(review_table) }} AS r ON r.`checksum` = h.`checksum`
{% endif %}
WHERE h.`ts_min` >= {{ bind(since) }} AND h.`ts_min` < {{ bind(until) }}
ORDER BY h.`checksum`, h.`ts_min`
