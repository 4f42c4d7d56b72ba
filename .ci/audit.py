"""CI's vulnerability audit: pip-audit first, then PyPI's project pages for what it could not reach.

pip-audit asks PyPI for each installed release (``/pypi/NAME/VERSION/json``). Some mirrors,
this workplace's among them, serve only the project page (``/pypi/NAME/json``), so pip-audit
skips every package as "could not be audited". The project page carries ``vulnerabilities``
for the project's newest release, so a package installed at its newest release is still
audited, from that list; a package held at an older release by another's pin cannot be, and
is named as NOT AUDITED with both versions. A known, not withdrawn vulnerability in anything
installed fails the run. Run as ``.venv/bin/python .ci/audit.py`` from the project root.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INDEX = "https://pypi.org/pypi"
CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
EDITABLE = "distribution marked as editable"


@dataclass
class Audit:
    """What the run found, package by package."""

    by_pip_audit: int = 0
    by_project_page: int = 0
    vulnerable: list[str] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)


def pip_audit(venv_bin: Path) -> list[dict[str, Any]]:
    """pip-audit's own findings, as JSON (its exit code says only "found something")."""
    run = subprocess.run(  # noqa: S603 (our own venv's pip-audit, fixed arguments)
        [str(venv_bin / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "-f", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        dependencies: list[dict[str, Any]] = json.loads(run.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        sys.exit(f"audit: pip-audit gave no report (exit {run.returncode}):\n{run.stderr}")
    return dependencies


def project_page(name: str) -> dict[str, Any] | None:
    """PyPI's page for the project, or None when it can't be had."""
    context = ssl.create_default_context(cafile=CA_FILE if Path(CA_FILE).exists() else None)
    try:
        url = f"{INDEX}/{name}/json"  # https, fixed; the name is an installed package's
        with urllib.request.urlopen(url, context=context, timeout=30) as page:  # noqa: S310
            found: dict[str, Any] = json.load(page)
            return found
    except (OSError, ValueError):
        return None


def installed_version(dependency: dict[str, Any]) -> str:
    """The version pip-audit saw; a skipped one names it only in its reason, "name (1.2.3)"."""
    if "version" in dependency:
        return str(dependency["version"])
    reason = str(dependency.get("skip_reason", ""))
    return reason.rsplit("(", 1)[-1].rstrip(")") if reason.endswith(")") else ""


def check_skipped(
    dependency: dict[str, Any],
    audit: Audit,
    page_of: Callable[[str], dict[str, Any] | None] = project_page,
) -> None:
    """Audit one package pip-audit skipped, from its project page, when that page covers it."""
    name, version = dependency["name"], installed_version(dependency)
    page = page_of(name)
    if page is None:
        audit.not_audited.append(f"{name} {version} (no project page)")
        return
    newest = page["info"]["version"]
    if newest != version:
        audit.not_audited.append(f"{name} {version} (newest {newest}; advisories cover only it)")
        return
    audit.by_project_page += 1
    for vulnerability in page.get("vulnerabilities") or []:
        if not vulnerability.get("withdrawn"):
            fixed = ", ".join(vulnerability.get("fixed_in") or []) or "no fix yet"
            audit.vulnerable.append(f"{name} {version}: {vulnerability['id']} (fixed in {fixed})")


def run(venv_bin: Path) -> Audit:
    audit = Audit()
    for dependency in pip_audit(venv_bin):
        if dependency.get("skip_reason") == EDITABLE:
            continue  # the project itself, installed from this checkout
        if "skip_reason" in dependency:
            check_skipped(dependency, audit)
            continue
        audit.by_pip_audit += 1
        for vulnerability in dependency.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions") or []) or "no fix yet"
            audit.vulnerable.append(
                f"{dependency['name']} {dependency['version']}: {vulnerability['id']} "
                f"(fixed in {fixed})"
            )
    return audit


def main() -> int:
    audit = run(Path(sys.executable).parent)
    print(f"audit: {audit.by_pip_audit} packages audited by pip-audit, {audit.by_project_page} "
          f"at their newest release audited from PyPI's project page")  # fmt: skip
    for line in audit.not_audited:
        print(f"audit: NOT AUDITED: {line}")
    for line in audit.vulnerable:
        print(f"audit: KNOWN VULNERABILITY: {line}")
    if audit.vulnerable:
        print(f"audit: FAILED: {len(audit.vulnerable)} known vulnerabilities")
        return 1
    print(f"audit: no known vulnerability; {len(audit.not_audited)} packages NOT AUDITED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
