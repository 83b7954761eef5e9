"""Every workflow the worker runs."""

from workflows.pipeline_run import PipelineRunWorkflow

WORKFLOWS = [PipelineRunWorkflow]
