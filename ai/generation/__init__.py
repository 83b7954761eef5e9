"""AI pipeline generation: prompts, the offline planner, validation and rendering of artifacts."""
