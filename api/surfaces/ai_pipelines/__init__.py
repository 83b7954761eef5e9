"""The AI-ETL pipelines API under /api/v1/pipelines (snake_case): generate, read, update, deploy,
describe and analyze pipelines, and their runs."""
