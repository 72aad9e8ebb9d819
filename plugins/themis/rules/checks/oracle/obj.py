"""Oracle OBJ checks (filled in by the Oracle OBJ rules work)."""
