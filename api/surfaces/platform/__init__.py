"""The AI-ETL platform API under /api/v1: identity (auth, users, API keys, tenants), connectors,
data profiling and preview, natural-language queries, storage advice, observability and
webhooks."""
