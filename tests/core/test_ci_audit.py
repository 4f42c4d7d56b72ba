"""CI's audit (.ci/audit.py): a package pip-audit skipped is audited from its project page only
when the installed release is the newest one, whose advisories that page lists."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit.py"


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_audit", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def skipped(name: str, version: str) -> dict[str, Any]:
    reason = f"Dependency not found on PyPI and could not be audited: {name} ({version})"
    return {"name": name, "skip_reason": reason}


def page(newest: str, *vulnerabilities: dict[str, Any]) -> dict[str, Any]:
    return {"info": {"version": newest}, "vulnerabilities": list(vulnerabilities)}


def test_a_known_vulnerability_in_the_newest_release_is_found(audit: ModuleType) -> None:
    found = audit.Audit()
    advisory: dict[str, Any] = {"id": "GHSA-wj6h-64fc-37mp", "fixed_in": [], "withdrawn": None}
    audit.check_skipped(skipped("ecdsa", "0.19.2"), found, lambda _: page("0.19.2", advisory))
    assert found.vulnerable == ["ecdsa 0.19.2: GHSA-wj6h-64fc-37mp (fixed in no fix yet)"]
    assert found.by_project_page == 1
    assert found.not_audited == []


def test_a_withdrawn_advisory_does_not_count(audit: ModuleType) -> None:
    found = audit.Audit()
    advisory: dict[str, Any] = {"id": "PYSEC-1", "fixed_in": ["2"], "withdrawn": "2026-01-01"}
    audit.check_skipped(skipped("thing", "1"), found, lambda _: page("1", advisory))
    assert found.vulnerable == []
    assert found.by_project_page == 1


def test_an_older_release_is_named_not_audited(audit: ModuleType) -> None:
    found = audit.Audit()
    advisory: dict[str, Any] = {"id": "PYSEC-2", "fixed_in": [], "withdrawn": None}
    audit.check_skipped(skipped("av", "18.1.0"), found, lambda _: page("19.0.2", advisory))
    assert found.not_audited == ["av 18.1.0 (newest 19.0.2; advisories cover only it)"]
    assert found.vulnerable == []
    assert found.by_project_page == 0


def test_a_missing_project_page_is_named_not_audited(audit: ModuleType) -> None:
    found = audit.Audit()
    audit.check_skipped(skipped("gone", "1.0"), found, lambda _: None)
    assert found.not_audited == ["gone 1.0 (no project page)"]
