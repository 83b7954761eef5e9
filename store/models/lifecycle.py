"""Tables of the lifecycle area; import them from ``store.models.lifecycle``."""
