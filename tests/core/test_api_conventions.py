"""Bad input gets problem+json and changes nothing; pages, OpenAPI and the docs page work."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from server.core.auth.roles import Role
from server.core.http import Endpoint
from server.core.keys import ENDPOINTS
from tests.conftest import AppClient, Person, add_person, api_token, bearer


async def user_count(client: AppClient, token: str) -> int:
    body = await (await client.get("/api/v1/users?limit=200", headers=bearer(token))).json()
    return len(body["items"])


async def expect_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = await response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


@pytest.fixture
async def admin_token(client: AppClient, people: dict[Role, Person]) -> str:
    return await api_token(client, "admin1")


async def test_malformed_json_is_a_400_and_creates_nothing(
    client: AppClient, admin_token: str
) -> None:
    before = await user_count(client, admin_token)
    response = await client.post(
        "/api/v1/users",
        data=b'{"login": "kim", "name": ',
        headers={**bearer(admin_token), "Content-Type": "application/json"},
    )
    await expect_problem(response, 400, "malformed-json")
    assert await user_count(client, admin_token) == before


async def test_wrong_types_name_each_field(client: AppClient, admin_token: str) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"login": 42, "name": ["not", "a", "name"], "roles": ["emperor"]},
        headers=bearer(admin_token),
    )
    body = await expect_problem(response, 422, "validation-error")
    fields = {tuple(e["loc"]) for e in body["errors"]}
    assert ("login",) in fields
    assert ("name",) in fields
    assert ("roles", 0) in fields
    assert all(e["in"] == "body" for e in body["errors"])


async def test_unknown_fields_are_refused(client: AppClient, admin_token: str) -> None:
    before = await user_count(client, admin_token)
    response = await client.post(
        "/api/v1/users",
        json={"login": "lee.trainee", "name": "이교육", "is_admin": True},
        headers=bearer(admin_token),
    )
    body = await expect_problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["is_admin"]
    assert await user_count(client, admin_token) == before


async def test_oversized_bodies_are_refused(client: AppClient, admin_token: str) -> None:
    huge = {"login": "big.trainee", "name": "x" * (2 * 1024 * 1024)}
    response = await client.post("/api/v1/users", json=huge, headers=bearer(admin_token))
    await expect_problem(response, 413, "body-too-large")


async def test_non_json_bodies_are_refused(client: AppClient, admin_token: str) -> None:
    response = await client.post(
        "/api/v1/users", data={"login": "form"}, headers=bearer(admin_token)
    )
    await expect_problem(response, 415, "unsupported-media-type")


async def test_bad_query_and_path_values(client: AppClient, admin_token: str) -> None:
    for path in ("/api/v1/users?limit=0", "/api/v1/users?cursor=!!", "/api/v1/users?sort=x"):
        body = await expect_problem(
            await client.get(path, headers=bearer(admin_token)), 422, "validation-error"
        )
        assert body["errors"][0]["in"] == "query"
    body = await expect_problem(
        await client.get("/api/v1/users/abc", headers=bearer(admin_token)), 422, "validation-error"
    )
    assert body["errors"][0]["in"] == "path"


async def test_out_of_range_ids_are_refused_not_crashed_on(
    client: AppClient, admin_token: str
) -> None:
    """Ids past 64 bits would overflow the database driver: they must be a 422, not a 500."""
    huge = 2**64
    for path in (f"/api/v1/users/{huge}", f"/api/v1/courses/{huge}", "/api/v1/users/0"):
        body = await expect_problem(
            await client.get(path, headers=bearer(admin_token)), 422, "validation-error"
        )
        assert body["errors"][0]["in"] == "path"
    cursor = base64.urlsafe_b64encode(f"id:{huge}".encode()).decode()
    await expect_problem(
        await client.get(f"/api/v1/users?cursor={cursor}", headers=bearer(admin_token)),
        422,
        "validation-error",
    )
    largest = await client.get(f"/api/v1/users/{2**63 - 1}", headers=bearer(admin_token))
    await expect_problem(largest, 404, "not-found")


async def test_unknown_routes_and_methods(client: AppClient) -> None:
    await expect_problem(await client.get("/api/v1/nothing-here"), 404, "not-found")
    await expect_problem(await client.put("/api/v1/auth/login"), 405, "method-not-allowed")


async def test_a_problem_type_uri_resolves_to_its_meaning(client: AppClient) -> None:
    response = await client.get("/problems/validation-error")
    assert response.status == 200
    assert (await response.json())["status"] == 422


async def test_pages_walk_every_user_once(
    client: AppClient, admin_token: str, people: dict[Role, Person], clock: Any
) -> None:
    for n in range(5):
        await add_person(client.app, f"page.trainee{n}", [Role.TRAINEE], clock)
    seen: list[int] = []
    url = "/api/v1/users?limit=4"
    while True:
        page = await (await client.get(url, headers=bearer(admin_token))).json()
        seen += [u["id"] for u in page["items"]]
        if page["next_cursor"] is None:
            break
        url = f"/api/v1/users?limit=4&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) == len(Role) + 5
    assert seen == sorted(seen)


async def test_users_filter_by_role_and_text(client: AppClient, admin_token: str) -> None:
    page = await (
        await client.get("/api/v1/users?role=captioner", headers=bearer(admin_token))
    ).json()
    assert [u["login"] for u in page["items"]] == ["captioner1"]
    page = await (await client.get("/api/v1/users?q=INSTRUC", headers=bearer(admin_token))).json()
    assert [u["login"] for u in page["items"]] == ["instructor1"]


async def test_openapi_document_describes_every_route(client: AppClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    doc = await response.json()
    assert doc["openapi"] == "3.1.0"
    endpoints: list[Endpoint] = client.app[ENDPOINTS]
    for ep in endpoints:
        op = doc["paths"][ep.full_path][ep.method.lower()]
        assert op["summary"]
        names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
        assert names == set(re.findall(r"{(\w+)}", ep.path))
    refs = re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', await response.text())
    assert refs
    assert all(ref in doc["components"]["schemas"] for ref in refs)
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    schema = doc["components"]["schemas"]["LoginIn"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("LoginIn")
    assert schema["additionalProperties"] is False


async def test_api_docs_page_uses_the_vendored_swagger_ui(client: AppClient) -> None:
    page = await client.get("/api/docs")
    assert page.status == 200
    html = await page.text()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "<script>" not in html.replace("<script src=", "")  # no inline script
    bundle = await client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status == 200
    assert len(await bundle.read()) > 500_000
