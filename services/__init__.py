"""The use cases every API surface shares: runs, schedules, deployments, approvals, syncs,
pipeline metadata, monitoring and definition validation. The only code (with the activities that
start runs and schedules) that calls Temporal workflow and schedule handles."""
