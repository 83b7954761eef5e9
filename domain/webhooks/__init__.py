"""Webhooks: the URL policy (where the server may call) and HMAC-SHA256 signing."""
