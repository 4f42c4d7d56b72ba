"""The OpenAPI 3.1 document, generated from the routes' own pydantic models.

Pydantic emits JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect, so the models
that parse requests are exactly the models the document describes.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from server.core.errors import PROBLEM_JSON, PROBLEM_TYPES
from server.core.http import Endpoint

REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"{(\w+)}")


class _Collector:
    """Gathers every schema the document needs, then generates them in one pass.

    One pass over all the routes' types lets pydantic give two models of the same name (the
    class session's ``SessionOut`` and the web session's) components of their own; schemas
    generated one by one would overwrite each other's ``$defs``. ``schema`` hands out a
    placeholder that ``finish`` fills in.
    """

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": _problem_schema()}
        self._wanted: list[tuple[int, JsonSchemaMode, TypeAdapter[Any]]] = []
        self._placeholders: list[dict[str, Any]] = []

    def schema(self, annotation: Any, mode: JsonSchemaMode) -> dict[str, Any]:
        placeholder: dict[str, Any] = {}
        self._wanted.append((len(self._placeholders), mode, TypeAdapter(annotation)))
        self._placeholders.append(placeholder)
        return placeholder

    def finish(self) -> None:
        generated, definitions = TypeAdapter.json_schemas(
            self._wanted, ref_template=REF, schema_generator=GenerateJsonSchema
        )
        for (key, mode, _), placeholder in zip(self._wanted, self._placeholders, strict=True):
            placeholder.update(generated[(key, mode)])
        self.components.update(definitions.get("$defs", {}))


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
    if ep.response is None and _answers_raw(ep) and ep.status != 204:
        responses[str(ep.status)] = {
            "description": "A file or a stream (its type says which)",
            "content": {"*/*": {"schema": {}}},
        }
    elif ep.response is None:
        responses[str(ep.status if ep.status != 200 else 204)] = {"description": "Done"}
    else:
        schema = collector.schema(ep.response, "serialization")
        responses[str(ep.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": schema}},
        }
    for status in _error_statuses(ep):
        responses[str(status)] = {"description": "Problem", "content": problem}
    responses["4XX"] = {
        "description": "Any other refusal (not found, conflict, rate limited, ...): its "
        "problem type says which",
        "content": problem,
    }
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
    if PATH_PARAM.search(ep.path):
        statuses.add(404)
    if ep.body is not None:
        statuses |= {400, 413, 415}
    if not ep.allow.public:
        statuses |= {401, 403}
    return sorted(statuses)


def _answers_raw(ep: Endpoint) -> bool:
    """A handler that builds its own response (a download, a stream) says so in its return
    annotation; without a declared response type it answers with a body, not 204."""
    returns = getattr(ep.handler, "__annotations__", {}).get("return")
    name = returns if isinstance(returns, str) else getattr(returns, "__name__", "")
    return str(name).rsplit(".", 1)[-1] in ("Response", "StreamResponse", "FileResponse")


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
    collector.finish()
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
