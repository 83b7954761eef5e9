"""One understanding of an intent over real schemas and values, behind both the built-in
pipeline planner and the natural-language query: what was placed, in plain words tied to SQL,
and what was not (``unresolved``)."""
