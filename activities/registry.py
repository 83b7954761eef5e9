"""Every activity of the worker, built with its dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.extract import ExtractActivities
from activities.load import LoadActivities
from activities.plan import PlanActivities
from activities.quality import QualityActivities
from activities.records import RecordActivities
from activities.runtime import ActivityDeps
from activities.staging import StagingActivities
from activities.transform import TransformActivities


def build_activities(deps: ActivityDeps) -> list[Callable[..., Any]]:
    extract = ExtractActivities(deps)
    transform = TransformActivities(deps)
    quality = QualityActivities(deps)
    load = LoadActivities(deps)
    staging = StagingActivities(deps)
    plan = PlanActivities(deps)
    records = RecordActivities(deps.db)
    return [
        plan.plan_run,
        records.record_run,
        extract.extract,
        transform.transform,
        quality.check,
        load.load,
        staging.drop_staging,
    ]
