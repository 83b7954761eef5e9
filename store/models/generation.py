"""Tables of the generation area; import them from ``store.models.generation``."""
