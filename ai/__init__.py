"""What a language model (or the built-in offline planner) does for users: pipeline generation,
natural-language queries, pipeline description and analysis, and connection proposals."""
