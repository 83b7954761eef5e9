"""Readable text of a failure a workflow caught: one rule for every workflow.

Pure string handling (no commands, no I/O), so it is safe in workflow code and replays.
"""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError


def failure_message(err: BaseException) -> str:
    """The innermost message: unwrap ActivityError/ChildWorkflowError causes.

    An activity's or child's own ApplicationError gives its message (no type or stack);
    any other innermost cause (a timeout, a cancel, a plain exception) gives ``str()``.
    """
    cause: BaseException = err
    while isinstance(cause, ActivityError | ChildWorkflowError) and cause.cause is not None:
        cause = cause.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause)
