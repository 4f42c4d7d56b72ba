"""Interview panel assignment as a pure function: plain data in, panels and their spread out.

Every panel (one per interview slot) gets exactly one member of each kind. A member has one
kind, so the three kinds never compete for the same person: each kind is its own bipartite
problem, solved on its own, and the overall maximum load is the largest of the three optima.

Per kind the graph is ``source → slot (1) → (member, time) (1) → member (cap) → sink``; the
``(member, time)`` node is what stops a member from sitting on two panels at the same time.
The smallest ``cap`` for which the max flow fills every slot is the optimal maximum load: we
start at the lower bound ``ceil(slots / eligible members)`` and raise ``cap`` one step at a
time, keeping the flow found so far (raising capacities never invalidates it), so the whole
search costs about one max flow. That the previous ``cap`` gave a *maximum* flow short of
every slot is the proof that nothing better exists.

Reproducible: members and slots are visited in an order fixed by their references and a
``random.Random(seed)`` shuffle of the members (the seed picks among equally good answers);
nothing depends on dict or set iteration order of unsorted input.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from math import ceil
from typing import Any


class MemberKind(StrEnum):
    OUTSIDE_EXPERT = "outside_expert"  # 외부 전문가
    RETIRED_OFFICIAL = "retired_official"  # 퇴직 3년 이내 공무원
    SERVING_OFFICIAL = "serving_official"  # 현직 4·5급 공무원 (직렬별)


KINDS: tuple[MemberKind, ...] = tuple(MemberKind)
#: a retired official sits only if the interview day is within this many years of retiring
RETIRED_WITHIN_YEARS = 3


class Exclusion(StrEnum):
    """Why a member of the right kind may not sit on a slot's panel (the error counts these)."""

    ORG_UNIT = "org_unit"  # same org unit as a candidate in the slot
    RELATION = "relation"  # a declared relation with a candidate in the slot
    RETIRED_TOO_LONG = "retired_too_long"  # retired more than 3 years before the interview
    JOB_SERIES = "job_series"  # serving official of another job series than the unit's


@dataclass(frozen=True)
class Member:
    ref: str
    kind: MemberKind
    org_unit: str | None = None
    job_series: str | None = None  # serving officials: the series they may judge
    retired_on: date | None = None  # retired officials
    relations: frozenset[str] = frozenset()  # candidate refs the member declared relations to


@dataclass(frozen=True)
class Candidate:
    ref: str
    org_unit: str | None = None
    relations: frozenset[str] = frozenset()  # member refs the candidate declared relations to


@dataclass(frozen=True)
class Slot:
    ref: str
    label: str  # how people name it in an error: "행정 7급"
    job_series: str
    starts_at: datetime
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True)
class Assignment:
    panels: dict[str, dict[MemberKind, str]]  # slot ref → kind → member ref
    loads: dict[str, int]  # member ref → panels sat (every pool member, 0 included)
    max_assignments: int
    min_assignments: int
    max_by_kind: dict[MemberKind, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Shortage:
    """What is missing for one slot and kind, with why each member of that kind was excluded."""

    slot: Slot
    kind: MemberKind
    excluded: dict[Exclusion, int]
    busy: int = 0  # eligible members all needed by other panels at the same time

    def describe(self) -> str:
        when = self.slot.starts_at.strftime("%Y-%m-%d %H:%M")
        reasons = [f"{n} excluded for {why.value.replace('_', '-')}"
                   for why, n in self.excluded.items() if n]  # fmt: skip
        if self.busy:
            reasons.append(f"{self.busy} eligible but sitting on other panels at that time")
        tail = f": {', '.join(reasons)}" if reasons else ": none in the pool"
        return (f"slot {self.slot.ref} ({self.slot.label}, {when}): "
                f"no eligible {self.kind.value.replace('_', ' ')}{tail}")  # fmt: skip


class Infeasible(Exception):
    def __init__(self, shortages: list[Shortage]) -> None:
        self.shortages = shortages
        super().__init__("; ".join(s.describe() for s in shortages))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def exclusion(member: Member, slot: Slot) -> Exclusion | None:
    """The first reason the member may not sit on the slot's panel, or None."""
    if member.kind is MemberKind.RETIRED_OFFICIAL:
        day = slot.starts_at.date()
        if member.retired_on is None or not (
            member.retired_on <= day <= _years_later(member.retired_on, RETIRED_WITHIN_YEARS)
        ):
            return Exclusion.RETIRED_TOO_LONG
    if member.kind is MemberKind.SERVING_OFFICIAL and member.job_series != slot.job_series:
        return Exclusion.JOB_SERIES
    if member.org_unit and any(c.org_unit == member.org_unit for c in slot.candidates):
        return Exclusion.ORG_UNIT
    if any(c.ref in member.relations or member.ref in c.relations for c in slot.candidates):
        return Exclusion.RELATION
    return None


def _eligible(
    slot: Slot, members: list[Member], cache: dict[tuple[date, str], list[int]]
) -> list[int]:
    """Indexes of the members who may sit on the slot: ``exclusion`` made fast (the
    benchmark's hot loop): the kind rules depend only on the day and series, so they are
    cached per (day, series); only the candidates' org units and relations are per slot."""
    day = slot.starts_at.date()
    key = (day, slot.job_series)
    if key not in cache:
        bare = Slot("", "", slot.job_series, slot.starts_at)  # no candidates: kind rules only
        cache[key] = [i for i, m in enumerate(members) if exclusion(m, bare) is None]
    orgs = {c.org_unit for c in slot.candidates if c.org_unit}
    refs = {c.ref for c in slot.candidates}
    named = set().union(*(c.relations for c in slot.candidates)) if slot.candidates else set()
    ok = []
    for i in cache[key]:
        m = members[i]
        if (m.org_unit and m.org_unit in orgs) or m.ref in named:
            continue
        if m.relations and not m.relations.isdisjoint(refs):
            continue
        ok.append(i)
    return ok


class _Flow:
    """Dinic's max flow on an adjacency list with paired residual edges (index ^ 1)."""

    def __init__(self, nodes: int) -> None:
        self.adj: list[list[int]] = [[] for _ in range(nodes)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def edge(self, a: int, b: int, cap: int) -> int:
        self.adj[a].append(len(self.to))
        self.to.append(b)
        self.cap.append(cap)
        self.adj[b].append(len(self.to))
        self.to.append(a)
        self.cap.append(0)
        return len(self.to) - 2

    def edges_from(self, a: int, targets: list[int], cap: int) -> list[int]:
        """Many ``edge(a, b, cap)`` at once (the graph's bulk, built in a tight loop)."""
        adj, to, caps = self.adj, self.to, self.cap
        out = []
        mine = adj[a]
        for b in targets:
            e = len(to)
            mine.append(e)
            adj[b].append(e + 1)
            to.append(b)
            to.append(a)
            caps.append(cap)
            caps.append(0)
            out.append(e)
        return out

    def _levels(self, s: int, t: int) -> list[int] | None:
        level = [-1] * len(self.adj)
        level[s] = 0
        queue = deque([s])
        while queue:
            v = queue.popleft()
            for e in self.adj[v]:
                if self.cap[e] and level[self.to[e]] < 0:
                    level[self.to[e]] = level[v] + 1
                    queue.append(self.to[e])
        return level if level[t] >= 0 else None

    def run(self, s: int, t: int) -> int:
        total = 0
        while (level := self._levels(s, t)) is not None:
            it = [0] * len(self.adj)
            while pushed := self._push(s, t, level, it):
                total += pushed
        return total

    def _push(self, s: int, t: int, level: list[int], it: list[int]) -> int:
        """One augmenting path of unit-or-more capacity along the level graph (iterative)."""
        path: list[int] = []
        v = s
        while v != t:
            edges = self.adj[v]
            while it[v] < len(edges):
                e = edges[it[v]]
                if self.cap[e] and level[self.to[e]] == level[v] + 1:
                    break
                it[v] += 1
            else:
                if v == s:
                    return 0
                level[v] = -1  # dead end: prune it and step back
                e = path.pop()
                v = self.to[e ^ 1]
                it[v] += 1
                continue
            path.append(e)
            v = self.to[e]
        pushed = min(self.cap[e] for e in path)
        for e in path:
            self.cap[e] -= pushed
            self.cap[e ^ 1] += pushed
        return pushed


def _solve_kind(
    kind: MemberKind, slots: list[Slot], members: list[Member]
) -> tuple[dict[str, str], dict[str, int], int] | list[Shortage]:
    """Fill every slot with one member of ``kind`` at the least possible maximum load."""
    eligible: list[list[int]] = []
    shortages: list[Shortage] = []
    cache: dict[tuple[date, str], list[int]] = {}
    for slot in slots:
        ok = _eligible(slot, members, cache)
        if not ok:
            excluded = dict.fromkeys(Exclusion, 0)
            for m in members:
                why = exclusion(m, slot)
                if why is not None:
                    excluded[why] += 1
            shortages.append(Shortage(slot, kind, excluded))
        eligible.append(ok)
    if shortages:
        return shortages
    if not slots:
        return {}, {m.ref: 0 for m in members}, 0
    times = sorted({s.starts_at for s in slots})
    time_index = {t: i for i, t in enumerate(times)}
    n_slots, n_members = len(slots), len(members)
    source, sink = 0, 1
    slot_node = 2
    member_node = slot_node + n_slots
    next_node = member_node + n_members
    # a (member, time) node only where the member could sit on two panels at that time
    shared: dict[tuple[int, int], int] = {}
    for si, ok in enumerate(eligible):
        ti = time_index[slots[si].starts_at]
        for mi in ok:
            shared[(mi, ti)] = shared.get((mi, ti), 0) + 1
    mt_nodes: dict[tuple[int, int], int] = {}
    for key, count in shared.items():
        if count > 1:
            mt_nodes[key] = next_node
            next_node += 1
    flow = _Flow(next_node)
    source_edges = [flow.edge(source, slot_node + si, 1) for si in range(n_slots)]
    seat_edges: list[list[tuple[int, int]]] = []
    for si, ok in enumerate(eligible):
        ti = time_index[slots[si].starts_at]
        targets = [mt_nodes.get((mi, ti), member_node + mi) for mi in ok]
        made = flow.edges_from(slot_node + si, targets, 1)
        seat_edges.append(list(zip(ok, made, strict=True)))
    mt_edges = {key: flow.edge(node, member_node + key[0], 1) for key, node in mt_nodes.items()}
    used = sorted({mi for ok in eligible for mi in ok})
    # no member can sit more often than the number of start times they are eligible at
    top = max(Counter(mi for mi, _ti in shared).values())
    cap = max(1, ceil(n_slots / len(used)))
    cap_edges = [flow.edge(member_node + mi, sink, cap) for mi in used]
    cap_edge_of = dict(zip(used, cap_edges, strict=True))
    empty = list(flow.cap)  # the graph's capacities before any flow, to start again from

    def attempt(limit: int) -> int:
        """A fresh max flow with every member capped at ``limit``: the seats filled."""
        flow.cap[:] = empty
        for e in cap_edges:
            flow.cap[e] = limit
        seated = _greedy_start(flow, slots, time_index, source_edges, seat_edges, mt_edges,
                               cap_edge_of)  # fmt: skip
        return seated + flow.run(source, sink)

    def raise_to(limit: int, current: int) -> int:
        """Keep the flow and lift the cap (a flow stays valid): the extra seats filled."""
        for e in cap_edges:
            flow.cap[e] += limit - current
        return flow.run(source, sink)

    filled = attempt(cap)
    # a few steps up keeping the flow (the optimum is usually at or just above the bound);
    # each step's short *maximum* flow proves the cap below the optimum
    for _ in range(3):
        if filled == n_slots or cap >= top:
            break
        filled += raise_to(cap + 1, cap)
        cap += 1
    if filled < n_slots and cap < top:
        low = cap  # proven short
        filled += raise_to(top, cap)  # no cap at all, in effect
        cap = top
        if filled == n_slots:  # feasible: bisect between the short ``low`` and ``top``
            high = top
            while high - low > 1:
                mid = (low + high) // 2
                if attempt(mid) == n_slots:
                    high = mid
                else:
                    low = mid
            cap = high
            filled = attempt(high)
    if filled < n_slots:
        return _busy_shortages(kind, slots, members, eligible, seat_edges, flow)
    panels: dict[str, str] = {}
    loads = {m.ref: 0 for m in members}
    for si, edges in enumerate(seat_edges):
        for mi, e in edges:
            if flow.cap[e] == 0:
                panels[slots[si].ref] = members[mi].ref
                loads[members[mi].ref] += 1
                break
    return panels, loads, max(loads.values())


def _greedy_start(
    flow: _Flow,
    slots: list[Slot],
    time_index: dict[datetime, int],
    source_edges: list[int],
    seat_edges: list[list[tuple[int, int]]],
    mt_edges: dict[tuple[int, int], int],
    cap_edge_of: dict[int, int],
) -> int:
    """Seat each slot's least-loaded free member straight away (ties: the seeded order), so
    the max flow only has to repair what the greedy pass got wrong; returns the seats made.
    Any valid flow is a correct start: optimality still comes from the max flow."""
    cap = flow.cap
    filled = 0
    for si, pairs in enumerate(seat_edges):
        ti = time_index[slots[si].starts_at]
        best: tuple[int, int, int | None, int] | None = None  # remaining cap, seat, mt, cap edge
        for mi, e in pairs:
            mt = mt_edges.get((mi, ti))
            ce = cap_edge_of[mi]
            if cap[ce] == 0 or (mt is not None and cap[mt] == 0):
                continue
            if best is None or cap[ce] > best[0]:
                best = (cap[ce], e, mt, ce)
        if best is None:
            continue
        _, e, mt, ce = best
        path = [source_edges[si], e, ce] if mt is None else [source_edges[si], e, mt, ce]
        for edge in path:
            cap[edge] -= 1
            cap[edge ^ 1] += 1
        filled += 1
    return filled


def _busy_shortages(
    kind: MemberKind,
    slots: list[Slot],
    members: list[Member],
    eligible: list[list[int]],
    seat_edges: list[list[tuple[int, int]]],
    flow: _Flow,
) -> list[Shortage]:
    """Slots left empty however loads are spread: too few eligible members at that time."""
    out = []
    for si, edges in enumerate(seat_edges):
        if all(flow.cap[e] for _mi, e in edges):
            excluded = dict.fromkeys(Exclusion, 0)
            for m in members:
                why = exclusion(m, slots[si])
                if why is not None:
                    excluded[why] += 1
            out.append(Shortage(slots[si], kind, excluded, busy=len(eligible[si])))
    return out


def assign(slots: list[Slot], members: list[Member], seed: int = 0) -> Assignment:
    """The optimal assignment, or ``Infeasible`` naming every slot and kind that cannot be
    filled and why. Same input and seed, same output."""
    ordered_slots = sorted(slots, key=lambda s: (s.starts_at, s.ref))
    ordered = sorted(members, key=lambda m: m.ref)
    random.Random(seed).shuffle(ordered)  # noqa: S311 (a tie-break, not a secret)
    panels: dict[str, dict[MemberKind, str]] = {s.ref: {} for s in ordered_slots}
    loads = {m.ref: 0 for m in ordered}
    max_by_kind: dict[MemberKind, int] = {}
    shortages: list[Shortage] = []
    for kind in KINDS:
        pool = [m for m in ordered if m.kind is kind]
        result = _solve_kind(kind, ordered_slots, pool)
        if isinstance(result, list):
            shortages.extend(result)
            continue
        chosen, kind_loads, top = result
        for slot_ref, member_ref in chosen.items():
            panels[slot_ref][kind] = member_ref
        loads.update(kind_loads)
        max_by_kind[kind] = top
    if shortages:
        raise Infeasible(sorted(shortages, key=lambda s: (s.slot.starts_at, s.slot.ref,
                                                           KINDS.index(s.kind))))  # fmt: skip
    return Assignment(
        panels=panels,
        loads=dict(sorted(loads.items())),
        max_assignments=max(loads.values(), default=0),
        min_assignments=min(loads.values(), default=0),
        max_by_kind=max_by_kind,
    )


def input_hash(request: dict[str, Any]) -> str:
    """SHA-256 of the request as canonical JSON (sorted keys): same input, same hash."""
    text = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()
