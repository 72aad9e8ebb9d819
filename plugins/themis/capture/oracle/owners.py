"""Which owners ``schemas: auto`` audits: the original's rule, made correct.

The original took open accounts owning segments, minus SYS/SYSTEM and users whose default
tablespace is USERS or SYSAUX — so it offered Oracle's own schemas (XDB, MDSYS, ...) and hid real
application users defaulting to USERS. Here: open accounts that own segments, minus the
Oracle-maintained users — ``DBA_USERS.ORACLE_MAINTAINED = 'Y'`` on 12c and later, and on 11g (which
has no such column) the accounts Oracle documents as created by its installer and options.
"""

from __future__ import annotations

from typing import Any, Iterable

#: Oracle-supplied accounts of 11g (Oracle Database 11g Security Guide / 2-Day DBA, "predefined accounts").
ORACLE_MAINTAINED_11G = frozenset({
    "ANONYMOUS", "APEX_030200", "APEX_PUBLIC_USER", "APPQOSSYS", "BI", "CTXSYS", "DBSNMP", "DIP", "EXFSYS",
    "FLOWS_FILES", "HR", "IX", "MDDATA", "MDSYS", "MGMT_VIEW", "OE", "OLAPSYS", "ORACLE_OCM", "ORDDATA",
    "ORDPLUGINS", "ORDSYS", "OUTLN", "OWBSYS", "OWBSYS_AUDIT", "PM", "SCOTT", "SH", "SI_INFORMTN_SCHEMA",
    "SPATIAL_CSW_ADMIN_USR", "SPATIAL_WFS_ADMIN_USR", "SYS", "SYSMAN", "SYSTEM", "WMSYS", "XDB", "XS$NULL",
})
#: sample schemas are Oracle-supplied but often hold a site's experiments; 11g's list includes them,
#: as 12c+ marks them ORACLE_MAINTAINED = 'N' only when installed from the separate sample scripts.


def audited_owners(users: Iterable[dict[str, Any]], version_major: int) -> list[str]:
    """Owners to audit from ``owners.sql`` rows (open accounts that own segments)."""
    owners = []
    for user in users:
        name = str(user["username"])
        maintained = user.get("oracle_maintained")
        if version_major >= 12 and maintained is not None:
            if str(maintained).strip().upper() == "Y":
                continue
        elif name in ORACLE_MAINTAINED_11G:
            continue
        owners.append(name)
    return sorted(owners)
