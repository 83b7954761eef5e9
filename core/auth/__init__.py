"""Identity: password hashes, signed tokens, API keys, rate limits and the first admin."""
