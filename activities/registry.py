"""Every activity of the worker, built with its dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.assets.activities import AssetActivities
from activities.bookkeeping import BookkeepingActivities
from activities.extract import ExtractActivities
from activities.extract_load import ExtractLoadActivities
from activities.generation import GenerationActivities
from activities.lifecycle import LifecycleActivities
from activities.llm import LLMActivities
from activities.load import LoadActivities
from activities.nlquery import NLQueryActivities
from activities.notify import NotifyActivities
from activities.plan import PlanActivities
from activities.profile import ProfileActivities
from activities.quality import QualityActivities
from activities.records import RecordActivities
from activities.runtime import ActivityDeps
from activities.staging import StagingActivities
from activities.syncs import SyncActivities
from activities.transform import TransformActivities


def build_activities(deps: ActivityDeps) -> list[Callable[..., Any]]:
    """Every activity, each with what it needs from ``deps`` and the service's settings."""
    settings = deps.service_settings
    extract = ExtractActivities(deps)
    transform = TransformActivities(deps)
    quality = QualityActivities(deps)
    load = LoadActivities(deps)
    staging = StagingActivities(deps)
    plan = PlanActivities(deps, settings.lifecycle)
    records = RecordActivities(deps.db)
    notify = NotifyActivities(deps.db, deps.cipher, settings)
    bookkeeping = BookkeepingActivities(deps.db, plan, records, staging)
    return [
        plan.plan_run,
        records.record_run,
        bookkeeping.start_run,
        bookkeeping.finish_run,
        *_syncs(SyncActivities(deps.db)),
        extract.extract,
        ExtractLoadActivities(deps).extract_load,
        transform.transform,
        quality.check,
        load.load,
        load.outcome,
        staging.drop_staging,
        LLMActivities(settings.llm).chat,
        *_generation(GenerationActivities(deps)),
        notify.plan,
        notify.deliver,
        notify.give_up,
        *_lifecycle(LifecycleActivities(deps)),
        *_data_assistant(deps),
        *_assets(AssetActivities(deps)),
    ]


def _lifecycle(lifecycle: LifecycleActivities) -> list[Callable[..., Any]]:
    return [
        lifecycle.record_approval_request,
        lifecycle.record_approval_decision,
        lifecycle.validate_deployment,
        lifecycle.publish_dag,
        lifecycle.apply_schedule,
        lifecycle.finish_deployment,
        lifecycle.start_scheduled_run,
        lifecycle.record_schedule_miss,
    ]


def _generation(generation: GenerationActivities) -> list[Callable[..., Any]]:
    return [
        generation.introspect,
        generation.plan_offline,
        generation.check_plan,
        generation.store,
    ]


def _data_assistant(deps: ActivityDeps) -> list[Callable[..., Any]]:
    nlquery = NLQueryActivities(deps)
    return [
        ProfileActivities(deps).profile,
        nlquery.schema,
        nlquery.translate,
        nlquery.check,
    ]


def _syncs(syncs: SyncActivities) -> list[Callable[..., Any]]:
    return [syncs.start_sync, syncs.await_sync, syncs.cancel_sync]


def _assets(assets: AssetActivities) -> list[Callable[..., Any]]:
    return [assets.plan_asset_run, assets.materialize, assets.record_asset_run]
