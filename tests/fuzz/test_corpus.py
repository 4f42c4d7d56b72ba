"""The hostile-string corpora (tests/fuzz/corpus/) against every text field of every JSON body
and against upload file names; uploads that lie about their type.

- every string property of every request body in the OpenAPI document gets each vector: no
  500, ever;
- text that is kept comes back byte-identical or is refused with 422 (a person's name);
- SQL in text is stored as text (the users table is still there, with the same rows);
- a file name never takes a file out of the attachment directory, and comes back tamed;
- a PNG that is HTML, a JPEG header on an SVG with script, a PDF that is a ZIP are refused
  (415); a
  polyglot image is re-encoded and served as an image, nosniff, in a sandbox.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from server.config import Settings
from server.core.keys import SETTINGS
from tests.conftest import NodeFactory
from tests.fuzz.conftest import World, all_vectors, corpus
from tests.rooms.classroom import Participant

#: the vectors most likely to break a store, for the sweep over every field (all of them
#: would take too long): SQL, NUL, 100 000 characters
SAMPLE = [corpus("sql.txt")[2], corpus("unicode.txt")[2], corpus("long.txt")[0]]


def _string_properties(doc: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    names = []
    for name, prop in schema.get("properties", {}).items():
        kinds = [prop.get("type")] + [p.get("type") for p in prop.get("anyOf", [])]
        if "string" in kinds and "format" not in prop and "enum" not in prop:
            names.append(name)
    return names


async def test_every_text_field_of_every_body_takes_the_corpus_without_a_500(
    world: World,
) -> None:
    client = world.client
    doc = await (await client.get("/api/openapi.json")).json()
    sent = 0
    for path, methods in doc["paths"].items():
        concrete = path
        for part in ("{", "}"):
            concrete = concrete.replace(part, "")
        concrete = "/".join("1" if seg.endswith("_id") else seg for seg in concrete.split("/"))
        for method, op in methods.items():
            body = op.get("requestBody")
            if body is None or path == "/api/v1/auth/logout":
                continue
            schema = body["content"]["application/json"]["schema"]
            for field in _string_properties(doc, schema):
                for vector in SAMPLE:
                    response = await client.request(
                        method.upper(), concrete, json={field: vector}, headers=world.auth("admin1")
                    )
                    sent += 1
                    assert response.status < 500, (method, path, field, await response.text())
    assert sent > 300


async def _kept_text_comes_back_byte_identical_or_is_refused(world: World) -> None:
    client, kim = world.client, world.people["kim"]
    users_before = (await (await client.get("/api/v1/users?limit=200",
                                           headers=world.auth("admin1"))).json())  # fmt: skip
    for vector in all_vectors():
        response = await client.patch(
            f"/api/v1/users/{kim.id}", json={"name": vector}, headers=world.auth("admin1")
        )
        assert response.status in (200, 422), (vector[:40], await response.text())
        if response.status == 200:
            back = await (await client.get(f"/api/v1/users/{kim.id}",
                                           headers=world.auth("admin1"))).json()  # fmt: skip
            assert back["name"] == vector.strip()  # inputs are trimmed, never rewritten
    users_after = await (await client.get("/api/v1/users?limit=200",
                                          headers=world.auth("admin1"))).json()  # fmt: skip
    ids = [u["id"] for u in users_after["items"]]
    assert ids == [u["id"] for u in users_before["items"]]  # SQL stayed text


def _png(extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((40, 30)).convert("RGB").save(out, "PNG")
    return out.getvalue() + extra


async def _board(world: World) -> tuple[Participant, int]:
    park = Participant()
    auth = {"api_token": world.tokens["park"], "class_session_id": world.klass.class_session_id}
    await park.connect(world.client, auth)
    await park.ok("join")
    board = await park.ok("board_create", {"title": "보드"})
    return park, int(board["id"])


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    """One person sends every vector as a file name: the upload limits, which tests/limits
    covers, would refuse the corpus before it reached the file-name rules under test."""
    return nodes.settings(limit_upload_per_user_per_min=100_000)


def _files_under(root: Path) -> set[Path]:
    return {p.resolve() for p in root.rglob("*") if p.is_file()}


async def _file_names_never_leave_the_storage_directory(world: World) -> None:
    park, board_id = await _board(world)
    var = world.client.app[SETTINGS].var_dir
    store = (var / "attachments").resolve()
    outside_before = _files_under(var) - _files_under(store)
    for name in all_vectors():
        response = await world.client.post(
            f"/api/v1/boards/{board_id}/attachments", params={"filename": name[:300]},
            data=_png(), headers=world.auth("park"),
        )  # fmt: skip
        assert response.status in (201, 422), (name[:40], await response.text())
        if response.status == 201:
            stored = (await response.json())["filename"]
            assert "/" not in stored
            assert "\\" not in stored
            assert "\x00" not in stored
            assert not stored.startswith(".")
    assert _files_under(store)  # the files are there ...
    assert _files_under(var) - _files_under(store) == outside_before  # ... and only there
    await park.close()


async def _uploads_that_lie_about_their_type(world: World) -> None:
    park, board_id = await _board(world)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("index.html", "<script>alert(1)</script>")
    lies = {
        "photo.png": b"<!doctype html><html><script>alert(1)</script></html>",
        "picture.jpg": b"\xff\xd8\xff\xe0" + b'<svg xmlns="http://www.w3.org/2000/svg" '
        b'onload="alert(1)"><script>alert(2)</script></svg>',
        "report.pdf": zipped.getvalue(),
        "page.html": b"<html><body onload=alert(1)>",
    }
    for name, data in lies.items():
        response = await world.client.post(
            f"/api/v1/boards/{board_id}/attachments", params={"filename": name}, data=data,
            headers=world.auth("park"),
        )  # fmt: skip
        assert response.status == 415, (name, await response.text())
        assert (await response.json())["type"] == "/problems/attachment-type"
    polyglot = _png(b"<html><script>alert(1)</script></html>")
    response = await world.client.post(
        f"/api/v1/boards/{board_id}/attachments", params={"filename": "x.html"}, data=polyglot,
        headers={**world.auth("park"), "Content-Type": "text/html"},
    )  # fmt: skip
    assert response.status == 201, await response.text()
    stored = await response.json()
    assert stored["content_type"] == "image/png"
    assert stored["filename"].endswith(".png")
    served = await world.client.get(stored["url"], headers=world.auth("park"))
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert b"<script" not in await served.read()  # re-encoded: what trailed the pixels is gone
    await park.close()


async def _a_body_nested_past_the_decoders_stack_is_malformed_json(world: World) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = await world.client.post(
        "/api/v1/auth/tokens", data=deep,
        headers={**world.auth("kim"), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status == 400, await response.text()
    assert (await response.json())["type"] == "/problems/malformed-json"


async def test_kept_text_and_bodies_nested_too_deep(world: World) -> None:
    await _kept_text_comes_back_byte_identical_or_is_refused(world)
    await _a_body_nested_past_the_decoders_stack_is_malformed_json(world)


async def test_hostile_file_names_and_lying_uploads(world: World) -> None:
    await _file_names_never_leave_the_storage_directory(world)
    await _uploads_that_lie_about_their_type(world)
