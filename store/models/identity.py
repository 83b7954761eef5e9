"""Tables of the identity area; import them from ``store.models.identity``."""
