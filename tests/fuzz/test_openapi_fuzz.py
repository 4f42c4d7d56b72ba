"""Every REST operation of the OpenAPI document, driven by schemathesis against a real server on
loopback: no 500s, every answer matches its documented schema and status.

Each operation gets a few examples of data that fits the document (positive) and a few that
does not (negative), derandomised so a failure reproduces. An admin calls every operation; a
trainee calls those a trainee may. The world's records have small ids, which the generators
try first (the minimum of an id is 1), so some calls reach real records; destructive calls
are fine: the database is this test's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import World

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
#: examples per operation and mode (171 operations), the admin's and the trainee's: the
#: generators' first example per operation, within the suite's time budget
ADMIN_EXAMPLES, TRAINEE_EXAMPLES = 1, 1

#: operations that would end the caller's own credential, so later calls would only test 401s
SELF_ENDING = {"POST /api/v1/auth/logout", "DELETE /api/v1/auth/tokens/{token_id}"}


def _run(
    doc: dict[str, Any], base_url: str, headers: dict[str, str], wanted: Callable[[Any], bool],
    examples: int, modes: tuple[GenerationMode, ...],
) -> tuple[int, list[str]]:  # fmt: skip
    schema = schemathesis.openapi.from_dict(doc)
    failures: list[str] = []
    done = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself is sound
        operation = result.ok()
        if operation.label in SELF_ENDING or not wanted(operation):
            continue
        done += 1
        for mode in modes:

            @settings(
                max_examples=examples, derandomize=True, database=None, deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:  # no invalid input exists for this operation's parameters
                assert mode == GenerationMode.NEGATIVE
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:3000])
    return done, failures


def _trainee_may(operation: Any) -> bool:
    allow = str(operation.definition.raw.get("x-baeum-allow", ""))
    return allow in ("anyone", "signed in") or "trainee" in allow.split(", ")


async def test_every_operation_answers_within_its_document(
    world: World,
) -> None:
    client = world.client
    doc = await (await client.get("/api/openapi.json")).json()
    base_url = str(client.make_url("")).rstrip("/")
    operations = sum(len(methods) for methods in doc["paths"].values())

    done, failures = await asyncio.to_thread(
        _run,
        doc,
        base_url,
        world.auth("admin1"),
        lambda op: True,
        ADMIN_EXAMPLES,
        (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )
    assert done == operations - len(SELF_ENDING)
    trainee_done, trainee_failures = await asyncio.to_thread(
        _run,
        doc,
        base_url,
        world.auth("kim"),
        _trainee_may,
        TRAINEE_EXAMPLES,
        (GenerationMode.POSITIVE,),
    )
    assert trainee_done > 10
    assert failures + trainee_failures == [], "\n\n".join(failures + trainee_failures)
