"""Every workflow the worker runs."""

from workflows.asset_pipeline import AssetPipelineWorkflow
from workflows.batch_sync import BatchSyncWorkflow
from workflows.data_profile import DataProfileWorkflow
from workflows.deployment import DeploymentWorkflow
from workflows.generation import GenerationWorkflow
from workflows.nl_query import NLQueryWorkflow
from workflows.notify import NotifyWorkflow
from workflows.pipeline_run import PipelineRunWorkflow
from workflows.scheduled_run import ScheduledRunWorkflow
from workflows.stream_run import StreamPipelineWorkflow

WORKFLOWS = [
    PipelineRunWorkflow,
    NotifyWorkflow,
    DeploymentWorkflow,
    ScheduledRunWorkflow,
    GenerationWorkflow,
    NLQueryWorkflow,
    DataProfileWorkflow,
    BatchSyncWorkflow,
    StreamPipelineWorkflow,
    AssetPipelineWorkflow,
]
