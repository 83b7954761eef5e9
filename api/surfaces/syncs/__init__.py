"""The connection syncs API at the root: connections, run_selected, task_status, cancel_task,
history and pipelines."""
