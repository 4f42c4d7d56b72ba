"""``python -m server demo``: demo people and records, then the log-ins and a join link.

Idempotent: people and the catalog are added once; today's demo classes are added on every
run that finds none for today. The demo password is generated on first run and kept in
``var/demo-password`` (never a constant in the code: a demo left on a network is still a
server).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards.demo import load_demo_boards
from server.budget.demo import load_budget
from server.config import Settings, resolve_secret_key
from server.core.auth import service as auth
from server.core.auth.models import User
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.auth.schemas import AccessibilityNeed, UserCreate
from server.core.clock import SEOUL, Clock, SystemClock
from server.core.db import Database
from server.exams.demo import load_exams
from server.lms import demo as lms_demo
from server.lms import demo_2020
from server.lms.instructors.demo import load_instructor_records
from server.lms.models import ClassSession, StaffRole
from server.rooms import service as rooms

STAFF_PEOPLE = (
    ("admin", "관리자", Role.ADMIN, "인재기획과"),
    ("operator", "운영담당 정수민", Role.OPERATOR, "인재양성과"),
    ("instructor", "김정훈 강사", Role.INSTRUCTOR, "인재양성과"),
    ("assistant", "보조강사 한지우", Role.ASSISTANT, "인재양성과"),
    ("captioner", "속기사 오은영", Role.CAPTIONER, "외부(속기)"),
)
FAMILY = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ("민지", "서준", "지우", "하은", "도윤", "수아", "예준", "지민", "시우", "서연")
ORG_UNITS = ("행정국 인사과", "재무국 예산과", "도시교통실", "복지정책실", "강남구청", "마포구청")
GRADES = ("9급", "8급", "7급", "6급")
SERIES = ("행정", "전산", "토목", "사회복지", "세무")
TRAINEES = 30


@dataclass(frozen=True)
class DemoSummary:
    password: str
    logins: list[tuple[str, str, str]]  # login, name, role
    courses_added: int
    classes_today: list[ClassSession]
    join_link: str
    join_link_for: str


def demo_password(settings: Settings) -> str:
    path = settings.var_dir / "demo-password"
    if path.exists():
        return path.read_text().strip()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    password = f"baeum-{secrets.token_urlsafe(9)}"
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def trainee_spec(n: int) -> UserCreate:
    return UserCreate(
        login=f"trainee{n + 1:02d}",
        name=FAMILY[n % len(FAMILY)] + GIVEN[n % len(GIVEN)],
        org_unit=ORG_UNITS[n % len(ORG_UNITS)],
        grade=GRADES[n % len(GRADES)],
        job_series=SERIES[n % len(SERIES)],
        accessibility_needs=[AccessibilityNeed.CAPTIONS] if n % 10 == 3 else [],
        roles=[Role.TRAINEE],
    )


async def _ensure_people(
    session: AsyncSession, password: str, passwords: Passwords, now: datetime
) -> dict[str, User]:
    specs = [
        UserCreate(login=login, name=name, roles=[role], org_unit=unit)
        for login, name, role, unit in STAFF_PEOPLE
    ] + [trainee_spec(n) for n in range(TRAINEES)]
    existing = {u.login: u for u in (await session.scalars(select(User))).all()}
    for spec in specs:
        if spec.login not in existing:
            with_password = UserCreate.model_validate({**spec.model_dump(), "password": password})
            existing[spec.login] = await auth.create_user(session, with_password, passwords, now)
    return existing


async def seed_demo(
    session: AsyncSession, settings: Settings, password: str, passwords: Passwords, now: datetime
) -> DemoSummary:
    people = await _ensure_people(session, password, passwords, now)
    added = await lms_demo.load_catalog(session)
    await demo_2020.load_2020_actuals(session, now)  # the 2020 plan-vs-actual records
    await lms_demo.load_instructors(session, people["instructor"].id)
    trainee_ids = [people[f"trainee{n + 1:02d}"].id for n in range(TRAINEES)]
    staff_ids = {StaffRole(r.value): people[r.value].id for r in
                 (Role.INSTRUCTOR, Role.ASSISTANT, Role.CAPTIONER)}  # fmt: skip
    classes = await lms_demo.load_todays_classes(session, now, trainee_ids, staff_ids)
    rehearsal = classes[0]  # open all day: the link works whenever the demo is tried
    await load_demo_boards(session, rehearsal.id, people["instructor"].id, now)
    await load_instructor_records(session, now)
    await load_budget(session, now)  # the 2019/2020 budget table (server/budget)
    await load_exams(session, now)  # the seed's 2020 exam rounds, 2018-20 question errors
    token, _ = rooms.sign_invitation(
        resolve_secret_key(settings), settings, rehearsal, people["trainee01"].id
    )
    logins = [(login, people[login].name, role.value) for login, _, role, _ in STAFF_PEOPLE]
    logins.append(("trainee01 … trainee30", people["trainee01"].name + " …", "trainee"))
    return DemoSummary(
        password, logins, added, classes, rooms.join_link_url(settings, token),
        people["trainee01"].name,
    )  # fmt: skip


async def load_demo(settings: Settings, clock: Clock | None = None) -> DemoSummary:
    clock = clock or SystemClock()
    password = demo_password(settings)
    db = Database(settings.effective_database_url)
    try:
        async with db.unit_of_work(actor_id=None, request_id="cli:demo") as session:
            summary = await seed_demo(
                session, settings, password, Passwords(settings.password_hash_profile), clock.now()
            )
    finally:
        await db.close()
    print_summary(settings, summary)
    return summary


def print_summary(settings: Settings, summary: DemoSummary) -> None:
    url = settings.effective_public_url
    print(f"\nBaeum demo ready at {url}  (courses added this run: {summary.courses_added})")
    print(f"Demo password for every log-in below: {summary.password}")
    for login, name, role in summary.logins:
        print(f"  {role:<11} {login:<22} {name}")
    print("Classes today (Asia/Seoul):")
    for cs in summary.classes_today:
        start = cs.starts_at.astimezone(SEOUL).strftime("%H:%M")
        end = cs.ends_at.astimezone(SEOUL).strftime("%H:%M")
        print(f"  #{cs.id:<4} {start}–{end}  {cs.title}")
    print(f"One-tap join link for {summary.join_link_for} (open on a phone):")
    print(f"  {summary.join_link}\n")
