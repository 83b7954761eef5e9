"""Tables of the webhooks area; import them from ``store.models.webhooks``."""
