"""Benchmark "panels": interview panel assignment for 60 units × 20 interview slots.

A synthetic round (seeded, so every run is the same problem): ``--units`` (60) recruitment
units over 6 job series, ``--slots`` (20) interview slots each, 30 minutes apart from 09:00,
six units interviewing per day (so six panels sit at the same time), each slot with 3
candidates from the city's org units, some declaring relations to members. The pool has
``--members`` (150): 40% outside experts, 30% officials retired within 3 years (a few retired
longer ago, who must be excluded), 30% serving grade 4/5 officials spread over the series.

Figures: ``ms`` (the pure solver, median of ``--repeat`` runs), ``max_assignments`` and
``min_assignments`` (the spread over the whole pool), ``lower_bound`` (per kind,
ceil(seats / eligible members): the max cannot be below it), ``unusable_members`` (eligible
for no slot at all: retired too long ago) and ``min_of_usable`` (the least load among the rest).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, datetime, timedelta
from math import ceil
from typing import Any

from server.core.clock import SEOUL
from server.exams.panels.solver import Candidate, Member, MemberKind, Slot, assign, exclusion

describe = "interview panels: 60 units × 20 slots from a pool of 150 members (solver time, spread)"
SERIES = ("행정", "세무", "전산", "사회복지", "토목", "건축")
ORG_UNITS = (*tuple(f"구청{i:02d}" for i in range(25)), "시청", "소방재난본부", "상수도사업본부")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--units", type=int, default=60, help="recruitment units (default 60)")
    parser.add_argument("--slots", type=int, default=20, help="interview slots per unit (20)")
    parser.add_argument("--members", type=int, default=150, help="pool size (default 150)")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the median counts (5)")
    parser.add_argument("--seed", type=int, default=2026, help="problem and tie-break seed")


def problem(units: int, slots: int, members: int, seed: int) -> tuple[list[Slot], list[Member]]:
    """The synthetic round and pool described in the module docstring."""
    rng = random.Random(seed)
    first_day = date(2026, 12, 7)
    out_slots: list[Slot] = []
    cand = 0
    for u in range(units):
        series = SERIES[u % len(SERIES)]
        day = first_day + timedelta(days=u // 6)
        for s in range(slots):
            at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=SEOUL) + timedelta(
                minutes=30 * s
            )
            candidates = []
            for _ in range(3):
                cand += 1
                candidates.append(Candidate(f"c{cand:05d}", rng.choice(ORG_UNITS)))
            out_slots.append(Slot(f"u{u:02d}-s{s:02d}", f"{series} 7급", series, at,
                                  tuple(candidates)))  # fmt: skip
    pool: list[Member] = []
    n_expert, n_retired = int(members * 0.4), int(members * 0.3)
    for i in range(members):
        ref = f"m{i:03d}"
        relations = frozenset(f"c{rng.randint(1, cand):05d}" for _ in range(rng.randint(0, 3)))
        if i < n_expert:
            pool.append(Member(ref, MemberKind.OUTSIDE_EXPERT, f"대학{i % 20:02d}",
                               relations=relations))  # fmt: skip
        elif i < n_expert + n_retired:
            years_ago = rng.choice((0.5, 1, 2, 2.5, 2.9, 3.5))  # 3.5: too long ago, excluded
            retired = first_day - timedelta(days=int(365.25 * years_ago))
            pool.append(Member(ref, MemberKind.RETIRED_OFFICIAL, rng.choice(ORG_UNITS),
                               retired_on=retired, relations=relations))  # fmt: skip
        else:
            k = i - n_expert - n_retired
            pool.append(Member(ref, MemberKind.SERVING_OFFICIAL, rng.choice(ORG_UNITS),
                               job_series=SERIES[k % len(SERIES)],
                               relations=relations))  # fmt: skip
    return out_slots, pool


def lower_bound(slots: list[Slot], pool: list[Member]) -> int:
    """Per kind and, for serving officials, per series: seats over members who could sit."""
    best = 0
    for kind in MemberKind:
        members = [m for m in pool if m.kind is kind]
        for series in sorted({s.job_series for s in slots}):
            group = [s for s in slots if kind is not MemberKind.SERVING_OFFICIAL
                     or s.job_series == series]  # fmt: skip
            able = [m for m in members if any(exclusion(m, s) is None for s in group)]
            if able:
                best = max(best, ceil(len(group) / len(able)))
    return best


async def run(args: argparse.Namespace) -> dict[str, Any]:
    slots, pool = problem(args.units, args.slots, args.members, args.seed)
    times = []
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = assign(slots, pool, seed=args.seed)
        times.append((time.perf_counter() - start) * 1000)
    assert result is not None
    unusable = {m.ref for m in pool if all(exclusion(m, s) is not None for s in slots)}
    return {
        "ms": round(statistics.median(times), 1),
        "max_assignments": result.max_assignments,
        "min_assignments": result.min_assignments,
        "lower_bound": lower_bound(slots, pool),
        "min_of_usable": min(n for ref, n in result.loads.items() if ref not in unusable),
        "unusable_members": len(unusable),
        "panels": len(result.panels),
        "members": len(pool),
        "goal_ms": 1000,
    }
