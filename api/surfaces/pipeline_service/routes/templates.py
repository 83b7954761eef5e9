"""/v1/pipelines/templates (pipeline service API): list by industry, read, create a pipeline from
one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field, ValidationError

from api.deps import CipherDep, Editor, SessionDep, SettingsDep, Viewer
from api.errors import ApiError, invalid
from api.schemas.common import CamelModel, CamelRequest
from api.surfaces.pipeline_service.routes import pipelines
from api.surfaces.pipeline_service.schemas.pipelines import PipelineCreate, PipelineCreated
from domain import templates
from domain.definition import Scalar
from services.templates import choose_connections

router = APIRouter(prefix="/v1/pipelines/templates", tags=["templates"])


class CreateFromTemplate(CamelRequest):
    pipeline_name: str = Field(min_length=1, max_length=200)
    parameters: dict[str, Scalar] = Field(default_factory=dict)
    customizations: dict[str, Any] = Field(
        default_factory=dict,
        description='dotted paths into the definition, e.g. {"sources.orders.partitions": 4}',
    )
    description: str | None = None
    tags: list[str] | None = Field(default=None, description="default: the template's tags")


class CreatedFromTemplate(PipelineCreated):
    template_id: str
    template_version: str
    chosen_connections: dict[str, str] = Field(
        description="the connections chosen for SOURCE_CONNECTION / TARGET_CONNECTION when the "
        "request named none (the source holds the template's tables); empty when it named them"
    )


class TemplateParameter(CamelModel):
    name: str
    required: bool
    description: str
    default: Any = None


def _summary(t: templates.Template) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "industry": t.industry,
        "version": t.version,
        "description": t.description,
        "compliance": t.compliance,
        "tags": t.tags,
        "parameters": [
            TemplateParameter(
                name=p.name,
                required=p.required and p.default is None,
                description=p.description,
                default=p.default,
            ).model_dump(by_alias=True)
            for p in t.parameters
        ],
    }


def _template(template_id: str) -> templates.Template:
    found = templates.get(template_id)
    if found is None:
        known = ", ".join(sorted(templates.catalog()))
        raise ApiError(
            404, "TEMPLATE_NOT_FOUND", f"template {template_id!r} not found; known: {known}"
        )
    return found


@router.get("")
async def list_templates(
    _principal: Viewer,
    industry: Annotated[str | None, Query(description="e.g. fintech, ecommerce")] = None,
) -> dict[str, Any]:
    found = [
        _summary(t)
        for t in templates.catalog().values()
        if industry is None or t.industry == industry.lower()
    ]
    return {"templates": found, "total": len(found)}


@router.get("/{template_id:path}")
async def get_template(template_id: str, _principal: Viewer) -> dict[str, Any]:
    """The template with its definition (``${PARAMETER}`` placeholders) and sample data."""
    t = _template(template_id)
    return {
        **_summary(t),
        "definition": t.definition,
        "sampleData": {
            "tables": t.sample_tables,
            "sql": t.sample_sql(),
            "note": "PostgreSQL that creates and fills the source tables in SOURCE_SCHEMA",
        },
    }


@router.post(
    "/{template_id:path}/create",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedFromTemplate,
)
async def create_from_template(
    template_id: str,
    body: CreateFromTemplate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> CreatedFromTemplate:
    t = _template(template_id)
    values: dict[str, Any] = dict(body.parameters)
    try:
        chosen = await choose_connections(session, cipher, settings, principal.tenant_id, t, values)
        definition = t.render(values, body.customizations)
    except templates.TemplateError as exc:
        raise invalid(
            str(exc), [{"loc": exc.loc, "msg": str(exc), "type": "value_error"}]
        ) from None
    try:
        # Validated from data: the rendered definition is a dict until this checks it.
        request = PipelineCreate.model_validate(
            {
                "name": body.pipeline_name,
                "version": t.version,
                "description": body.description or t.description,
                "definition": definition,
                "tags": body.tags if body.tags is not None else t.pipeline_tags(),
            }
        )
    except ValidationError as exc:
        details = [
            {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{'.'.join(d['loc'][1:])}: {d['msg']}" for d in details[:5])
        raise invalid(
            f"the template's definition with these parameters and customizations is invalid: "
            f"{summary}",
            details,
            code="INVALID_DEFINITION",
        ) from None
    created = await pipelines.create_pipeline(request, session, cipher, settings, principal)
    return CreatedFromTemplate(
        **created.model_dump(),
        template_id=t.id,
        template_version=t.version,
        chosen_connections=chosen,
    )
