"""Filling breakout groups (분임): pure rules, no database, so the service and tests share them.

Each fill returns user ids per group, in group order. Group ``i`` gets the ``i``-th target size
(``divmod(len(people), group_count)``: the first ``remainder`` groups are one larger), so every
fill agrees on which groups are the bigger ones. A seed makes a fill repeatable: the same
people and seed give the same groups whatever order the people came in.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Attribute = Literal["org_unit", "grade", "job_series"]
Mode = Literal["spread", "together"]

LOGIN_HEADERS = frozenset({"login", "아이디", "로그인"})
GROUP_HEADERS = frozenset({"group", "분임", "조"})
LISTED_GROUP_NAMES = 10  # how many valid names an "unknown group" error spells out


@dataclass(frozen=True)
class Person:
    user_id: int
    login: str
    name: str
    org_unit: str | None = None
    grade: str | None = None
    job_series: str | None = None


class GroupFull(Exception):
    """The chosen group already holds its capacity of other people."""

    def __init__(self, group_id: int, capacity: int) -> None:
        self.group_id = group_id
        self.capacity = capacity
        super().__init__(f"group {group_id} is full ({capacity} people)")


class UnknownGroup(Exception):
    """The chosen group is not one of this set's groups."""

    def __init__(self, group_id: int) -> None:
        self.group_id = group_id
        super().__init__(f"group {group_id} is not one of the groups")


@dataclass(frozen=True)
class CsvError:
    line: int  # 1-based, as a spreadsheet shows it
    message: str


@dataclass(frozen=True)
class CsvImport:
    rows: list[tuple[str, str]] = field(default_factory=list)  # (login, group name)
    errors: list[CsvError] = field(default_factory=list)


def target_sizes(people_count: int, group_count: int) -> list[int]:
    """Group sizes that differ by at most one, larger groups first."""
    size, extra = divmod(people_count, group_count)
    return [size + 1 if i < extra else size for i in range(group_count)]


def _check(people: Sequence[Person], group_count: int) -> None:
    if group_count < 1:
        raise ValueError(f"group_count must be at least 1, not {group_count}")
    if people and group_count > len(people):
        raise ValueError(
            f"group_count ({group_count}) must not exceed the number of people ({len(people)})"
        )
    if len({p.user_id for p in people}) != len(people):
        raise ValueError("each person may be listed only once")


def _shuffled(people: Sequence[Person], rng: random.Random) -> list[Person]:
    """A shuffle that depends on the seed only, not on the order the caller listed people in."""
    ordered = sorted(people, key=lambda p: p.user_id)
    rng.shuffle(ordered)
    return ordered


def _deal(people: Sequence[Person], group_count: int) -> list[list[int]]:
    """Round-robin: any run of consecutive people lands at most one apart across groups."""
    groups: list[list[int]] = [[] for _ in range(group_count)]
    for i, person in enumerate(people):
        groups[i % group_count].append(person.user_id)
    return groups


def random_groups(people: Sequence[Person], group_count: int, seed: int) -> list[list[int]]:
    """Groups by lot; sizes differ by at most one."""
    _check(people, group_count)
    rng = random.Random(seed)  # noqa: S311 - a repeatable draw, not a secret
    return _deal(_shuffled(people, rng), group_count)


def _clusters(
    people: Sequence[Person], attribute: Attribute, rng: random.Random
) -> tuple[list[list[Person]], list[Person]]:
    """People by value of ``attribute``, largest cluster first (ties by value); the unknowns."""
    by_value: dict[str, list[Person]] = {}
    unknown: list[Person] = []
    for person in _shuffled(people, rng):
        value = getattr(person, attribute)
        if value is None:
            unknown.append(person)
        else:
            by_value.setdefault(value, []).append(person)
    ordered = sorted(by_value.items(), key=lambda item: (-len(item[1]), item[0]))
    return [members for _, members in ordered], unknown


def balanced_groups(
    people: Sequence[Person], group_count: int, attribute: Attribute, mode: Mode, seed: int
) -> list[list[int]]:
    """Groups that mix ("spread") or keep together ("together") people sharing ``attribute``.

    "spread": each value's count differs by at most one between groups, and so do sizes.
    "together": sizes still follow :func:`target_sizes`; each value's people fill groups as
    whole clusters, largest first, split only when no group has room for the whole cluster.
    Unknown values (None) are one more cluster in "spread" and fill what is left in "together".
    """
    _check(people, group_count)
    if attribute not in ("org_unit", "grade", "job_series"):
        raise ValueError(f"unknown attribute {attribute!r}")
    if mode not in ("spread", "together"):
        raise ValueError(f"unknown mode {mode!r}")
    rng = random.Random(seed)  # noqa: S311 - a repeatable draw, not a secret
    clusters, unknown = _clusters(people, attribute, rng)
    if mode == "spread":
        # Dealing cluster after cluster round-robin spreads each one (it is a consecutive run)
        # and keeps the running sizes level.
        return _deal([p for cluster in [*clusters, unknown] for p in cluster], group_count)
    return _together(clusters, unknown, target_sizes(len(people), group_count))


def _together(
    clusters: list[list[Person]], unknown: list[Person], targets: list[int]
) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in targets]
    room = list(targets)
    for cluster in clusters:
        rest = [p.user_id for p in cluster]
        while rest:
            fitting = [i for i, r in enumerate(room) if r >= len(rest)]
            if fitting:
                # Best fit: the tightest group that takes the whole cluster keeps the big
                # gaps for the big clusters still to come.
                i = min(fitting, key=lambda i: (room[i], i))
            else:
                # Nothing takes it whole: fill the roomiest group, so it splits into the
                # fewest pieces.
                i = max(range(len(room)), key=lambda i: (room[i], -i))
            taken, rest = rest[: room[i]], rest[room[i] :]
            groups[i].extend(taken)
            room[i] -= len(taken)
    unknown_ids = [p.user_id for p in unknown]
    for i, r in enumerate(room):  # the unknowns exactly fill what is left
        groups[i].extend(unknown_ids[:r])
        unknown_ids = unknown_ids[r:]
    return groups


def assign_by_choice(
    current: Mapping[int, int | None],
    capacity: Mapping[int, int | None],
    user_id: int,
    group_id: int,
) -> dict[int, int | None]:
    """Participants choose their group; the new user → group mapping (``current`` is untouched).

    ``capacity`` maps each group to its cap (None: no cap). A full group refuses newcomers
    but never someone already in it, so choosing your own group again is always a no-op.
    """
    if group_id not in capacity:
        raise UnknownGroup(group_id)
    chosen = dict(current)
    if chosen.get(user_id) == group_id:
        return chosen
    cap = capacity[group_id]
    if cap is not None:
        others = sum(1 for gid in chosen.values() if gid == group_id)  # user_id is not in it
        if others >= cap:
            raise GroupFull(group_id, cap)
    chosen[user_id] = group_id
    return chosen


def _norm(text: str) -> str:
    """Spreadsheets from macOS may carry decomposed Hangul (NFD); compare composed text."""
    return unicodedata.normalize("NFC", text).strip()


def _header_key(cell: str) -> str:
    return _norm(cell).casefold()


def parse_csv(text: str, group_names: Sequence[str]) -> CsvImport:
    """Read the institute's (login, group) spreadsheet; every problem is reported with its line.

    Logins come back as the log-in form stores them (trimmed, lower case); group names come
    back spelled as in ``group_names``. Only lines without errors are in ``rows``.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    # newline="": the csv module sees "\r\n" and "\r" endings as they are (and counts lines).
    header_line = next((raw for raw in io.StringIO(text, newline="") if raw.strip()), "")
    delimiter = "\t" if header_line.count("\t") > header_line.count(",") else ","
    # skipinitialspace: hand-edited sheets write `a, "b, c"`; the quotes still count.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)

    known = {_norm(name): name for name in group_names}
    rows: list[tuple[str, str]] = []
    errors: list[CsvError] = []
    columns: tuple[int, int] | None = None
    first_seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1  # where the next record starts
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(CsvError(line, f"unreadable line: {exc}"))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            keys = [_header_key(cell) for cell in cells]
            login_col = next((i for i, k in enumerate(keys) if k in LOGIN_HEADERS), None)
            group_col = next((i for i, k in enumerate(keys) if k in GROUP_HEADERS), None)
            if login_col is None or group_col is None:
                return CsvImport([], [CsvError(line, _missing_columns(login_col, group_col))])
            columns = (login_col, group_col)
            continue
        login = _norm(_cell(cells, columns[0])).lower()
        group = _norm(_cell(cells, columns[1]))
        problems: list[str] = []
        if not login:
            problems.append("the login is empty")
        if not group:
            problems.append("the group is empty")
        elif group not in known:
            problems.append(_unknown_group(group, group_names))
        if login:
            if login in first_seen:
                problems.append(
                    f'login "{login}" is listed twice (first on line {first_seen[login]})'
                )
            else:
                first_seen[login] = line
        errors.extend(CsvError(line, message) for message in problems)
        if not problems:
            rows.append((login, known[group]))
    if columns is None and not errors:
        errors.append(CsvError(1, _missing_columns(None, None)))
    return CsvImport(rows, errors)


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _missing_columns(login_col: int | None, group_col: int | None) -> str:
    missing = []
    if login_col is None:
        missing.append('"login" (아이디, 로그인)')
    if group_col is None:
        missing.append('"group" (분임, 조)')
    return "missing column " + " and ".join(missing)


def _unknown_group(group: str, group_names: Sequence[str]) -> str:
    listed = ", ".join(group_names[:LISTED_GROUP_NAMES])
    more = len(group_names) - LISTED_GROUP_NAMES
    if more > 0:
        listed += f", … ({more} more)"
    if not group_names:
        listed = "(none)"
    return f'no group named "{group}"; the groups are: {listed}'
