{#- Make the audited statement's database the default one, so its unqualified names resolve. -#}
USE {{ ident(db) }}
