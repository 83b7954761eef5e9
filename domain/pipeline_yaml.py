"""A pipeline definition in the AI-ETL pipelines API's ``pipeline_yaml`` shape:
``{name, schedule, tasks: [...]}``.

The tasks are the ones the rendered Airflow DAG has (``domain.airflow_dag.dag_document``): one
per source extract, transformation, quality check group and sink load, each naming the tasks
it waits for. Like the DAG, it holds no credentials; Ductwork's own definition is served next
to it (``pipeline_definition``), and only that one is run.
"""

from __future__ import annotations

import re
from typing import Any

from domain.airflow_dag import dag_document, preview_dag_id

TASK_TYPES = {
    "extract": "extract",
    "transform": "transform",
    "quality": "quality_check",
    "load": "load",
}


def yaml_name(pipeline_name: str) -> str:
    """``Daily Sales ETL`` → ``daily_sales_etl``."""
    return re.sub(r"[^0-9a-z]+", "_", pipeline_name.lower()).strip("_") or "pipeline"


def pipeline_yaml(
    pipeline_name: str, definition: dict[str, Any], schedule: str | None
) -> dict[str, Any]:
    """``definition`` as ``{name, schedule, tasks}``; each task is ``{task_id, type,
    depends_on, connection, sql, description}``."""
    document = dag_document(pipeline_name, definition, schedule, preview_dag_id(pipeline_name))
    upstream: dict[str, list[str]] = {}
    stages: list[list[str]] = document["stages"]
    for before, stage in zip([[], *stages], stages, strict=False):
        for task_id in stage:
            upstream[task_id] = list(before)
    return {
        "name": yaml_name(pipeline_name),
        "schedule": schedule,
        "tasks": [
            {
                "task_id": task["task_id"],
                "type": TASK_TYPES.get(task["kind"], task["kind"]),
                "depends_on": upstream.get(task["task_id"], []),
                "connection": task["conn_id"],
                "sql": task["sql"],
                "description": task["doc"],
            }
            for task in document["tasks"]
        ],
    }
