{#- The session user's own grants (allowed to every user): capture judges from them which dictionary
    views (routines, triggers, events, view definitions) hide rows from it. The lines may carry the
    account's password hash: they are parsed, never logged or stored. -#}
SHOW GRANTS
