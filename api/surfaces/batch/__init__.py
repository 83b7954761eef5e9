"""The named batch pipelines API under /api/pipeline: trigger a pipeline by name with a batch, its
status, runs and cancel."""
