"""The pipeline service API under /v1 (camelCase): pipelines, executions, schedules, connections,
Airflow views, templates, monitoring, workflows, lineage, cost and published schemas."""
