{#- EXPLAIN never executes the statement, but the optimizer may evaluate constant subqueries and
    stored functions: a read-only transaction (rolled back afterwards) refuses any write they attempt. -#}
START TRANSACTION READ ONLY
