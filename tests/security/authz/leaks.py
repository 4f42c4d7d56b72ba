"""Finding a person in what the app answers."""

from __future__ import annotations

from typing import Any

#: keys under which a person's id or name would name them
USER_KEYS = {"user_id", "author_id", "actor_id", "voter_id", "author_name", "name", "login",
             "author", "by", "asker", "asked_by", "submitted_by"}  # fmt: skip


def carries(value: Any, user_id: int, words: set[str], key: str = "") -> list[str]:
    """Where in a JSON value the author shows: a person-ish key holding their id, or any
    string naming them."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found += carries(v, user_id, words, k)
    elif isinstance(value, list):
        for v in value:
            found += carries(v, user_id, words, key)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int) and value == user_id and key in USER_KEYS:
        found.append(f"{key}={value}")
    elif isinstance(value, str) and any(w in value for w in words):
        found.append(f"{key}={value!r}")
    return found
