"""GenerationWorkflow: introspect → plan (LLM or offline) → check and render → repair → store."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.generation import GenerationActivities
    from activities.llm import ChatInput, LLMActivities
    from ai.generation.prompts import repair_message
    from connectors.llm.base import OFFLINE_MODEL, OFFLINE_PROVIDER
    from workflows import policies
    from workflows.errors import failure_message
    from workflows.generation_payloads import (
        GenerationInput,
        GenerationResult,
        OfflinePlanInput,
        PlanCheck,
        PlanCheckInput,
        StoreGenerationInput,
        Usage,
    )


@workflow.defn
class GenerationWorkflow:
    @workflow.run
    async def run(self, request: GenerationInput) -> GenerationResult:
        context = await workflow.execute_activity_method(
            GenerationActivities.introspect,
            request,
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        usage = Usage(OFFLINE_PROVIDER, OFFLINE_MODEL)
        attempts = 0
        errors: list[str] = list(context.errors)
        check = PlanCheck(errors=errors)
        if not errors and not request.use_llm:
            attempts = 1
            check = await workflow.execute_activity_method(
                GenerationActivities.plan_offline,
                OfflinePlanInput(request, context),
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
            errors = check.errors
        elif not errors:
            messages = list(context.messages)
            usage = Usage("", "")
            while True:
                attempts += 1
                try:
                    reply = await workflow.execute_activity_method(
                        LLMActivities.chat,
                        ChatInput(messages=messages, json_mode=True, purpose="generate"),
                        start_to_close_timeout=policies.LLM_TIMEOUT,
                        retry_policy=policies.LLM_RETRY,
                    )
                except ActivityError as exc:
                    errors = [f"the model could not be reached: {failure_message(exc)}"]
                    check = PlanCheck(errors=errors)
                    break
                usage = Usage(
                    reply.provider,
                    reply.model,
                    usage.prompt_tokens + reply.prompt_tokens,
                    usage.completion_tokens + reply.completion_tokens,
                    round(usage.cost_usd + reply.cost_usd, 6),
                )
                check = await workflow.execute_activity_method(
                    GenerationActivities.check_plan,
                    PlanCheckInput(request, context, reply.text),
                    start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                    retry_policy=policies.BOOKKEEPING_RETRY,
                )
                errors = check.errors
                if not errors or attempts > request.max_repairs:
                    break
                workflow.logger.info("plan rejected, asking for a repair", extra={"errors": errors})
                messages += [
                    {"role": "assistant", "content": reply.text},
                    repair_message(errors, context.repair_prompt),
                ]
        return await workflow.execute_activity_method(
            GenerationActivities.store,
            StoreGenerationInput(request, check, usage, attempts, errors),
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
