"""The OpenAPI 3.1 document, generated from the routes' own pydantic models.

Pydantic emits JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect, so the models
that parse requests are exactly the models the document describes.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from server.core.errors import PROBLEM_JSON, PROBLEM_TYPES
from server.core.http import Endpoint

REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"{(\w+)}")


class _Collector:
    """Generates schemas and gathers every $defs into components."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": _problem_schema()}

    def schema(self, annotation: Any, mode: JsonSchemaMode) -> dict[str, Any]:
        generated = TypeAdapter(annotation).json_schema(
            ref_template=REF, mode=mode, schema_generator=GenerateJsonSchema
        )
        self.components.update(generated.pop("$defs", {}))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            name = _component_name(annotation)
            self.components[name] = generated
            return {"$ref": REF.format(model=name)}
        return generated


def _component_name(model: type[BaseModel]) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", model.__name__)


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "RFC 9457 problem details; `type` is one of the stable problem URIs.",
        "properties": {
            "type": {"type": "string", "enum": sorted(p.uri for p in PROBLEM_TYPES.values())},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["type", "title", "status"],
    }


def _parameters(ep: Endpoint, collector: _Collector) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for where, model in (("path", ep.path_model), ("query", ep.query)):
        if model is None:
            continue
        for name, field in model.model_fields.items():
            schema = collector.schema(field.annotation, "validation")
            params.append(
                {
                    "name": name,
                    "in": where,
                    "required": where == "path" or field.is_required(),
                    "schema": schema,
                    **({"description": field.description} if field.description else {}),
                }
            )
    for name in PATH_PARAM.findall(ep.path):
        if not any(p["name"] == name for p in params):
            params.append({"name": name, "in": "path", "required": True, "schema": {}})
    return params


def _operation(ep: Endpoint, collector: _Collector) -> dict[str, Any]:
    problem = {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}
    responses: dict[str, Any] = {}
    if ep.response is None:
        responses[str(ep.status if ep.status != 200 else 204)] = {"description": "Done"}
    else:
        schema = collector.schema(ep.response, "serialization")
        responses[str(ep.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": schema}},
        }
    for status in _error_statuses(ep):
        responses[str(status)] = {"description": "Problem", "content": problem}
    op: dict[str, Any] = {
        "operationId": f"{ep.tags[0]}.{ep.handler.__name__}",
        "summary": ep.summary,
        "tags": ep.tags,
        "parameters": _parameters(ep, collector),
        "responses": responses,
        "x-baeum-allow": _allow_text(ep),
    }
    if ep.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": collector.schema(ep.body, "validation")}},
        }
    if not ep.allow.public:
        op["security"] = [{"bearer": []}, {"cookie": []}]
    return op


def _error_statuses(ep: Endpoint) -> list[int]:
    statuses = {422} if (ep.body or ep.query or ep.path_model) else set()
    if ep.body is not None:
        statuses |= {400, 413, 415}
    if not ep.allow.public:
        statuses |= {401, 403}
    return sorted(statuses)


def _allow_text(ep: Endpoint) -> str:
    if ep.allow.public:
        return "anyone"
    if ep.allow.roles is None:
        return "signed in"
    text = ", ".join(sorted(ep.allow.roles))
    return text + (f", or the user named by {ep.allow.or_self}" if ep.allow.or_self else "")


def build_openapi(endpoints: list[Endpoint], *, version: str) -> dict[str, Any]:
    collector = _Collector()
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        paths.setdefault(ep.full_path, {})[ep.method.lower()] = _operation(ep, collector)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Baeum API",
            "version": version,
            "description": "The training institute's live classes and records. Errors are "
            "RFC 9457 problem+json; cookie-authenticated writes need X-CSRF-Token.",
        },
        "paths": paths,
        "components": {
            "schemas": collector.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "baeum_session"},
            },
        },
    }
