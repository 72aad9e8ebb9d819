"""The rule catalogue (YAML data), the registry of Python checks, the engine and the scoring."""
