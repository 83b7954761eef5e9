"""Every surface maps every RunStatus to a word, and the reverse lookups find their status."""

from __future__ import annotations

import pytest

from api.surfaces.ai_pipelines import words as ai_pipelines
from api.surfaces.batch import words as batch
from api.surfaces.pipeline_service import words as pipeline_service
from api.surfaces.platform import words as platform
from api.surfaces.syncs import words as syncs
from domain.status import ACTIVE, FINISHED, RunStatus

TABLES = {
    "ai_pipelines runs": ai_pipelines.RUN_WORDS,
    "platform metric labels": platform.RUN_WORDS,
    "batch runs": batch.RUN_WORDS,
    "syncs tasks": syncs.TASK_WORDS,
    "airflow DAG runs": pipeline_service.AIRFLOW_RUN_STATES,
    "airflow task instances": pipeline_service.AIRFLOW_TASK_STATES,
}


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_every_status_has_a_word(table: dict[RunStatus, str]) -> None:
    assert set(table) == set(RunStatus)
    assert all(isinstance(word, str) and word for word in table.values())


def test_values_are_those_stored_and_recorded() -> None:
    assert [s.value for s in RunStatus] == ["QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]
    assert set(RunStatus) == ACTIVE | FINISHED and not ACTIVE & FINISHED
    assert [s for s in RunStatus if s.finished] == sorted(FINISHED, key=list(RunStatus).index)


@pytest.mark.parametrize("status", list(RunStatus))
def test_batch_words_read_back(status: RunStatus) -> None:
    assert batch.from_word(batch.RUN_WORDS[status]) is status
    assert batch.from_word(status.value.lower()) is status
    assert batch.run_word(status.value) == batch.RUN_WORDS[status]


def test_batch_unknown_word() -> None:
    assert batch.from_word("DONE") is None


@pytest.mark.parametrize("word", ["draft", "active", "paused"])
def test_pipeline_words_read_back(word: str) -> None:
    assert ai_pipelines.pipeline_word(ai_pipelines.stored_pipeline_status(word)) == word


def test_airflow_state_of_an_unknown_status_is_lower_cased() -> None:
    states = pipeline_service.AIRFLOW_TASK_STATES
    assert pipeline_service.airflow_state(states, "CANCELLED") == "removed"
    assert pipeline_service.airflow_state(states, "SKIPPED") == "skipped"
