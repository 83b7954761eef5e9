"""Natural-language questions to checked, read-only SQL: offline rules, prompt, checks."""
