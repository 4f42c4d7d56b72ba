"""Debian packages some tests need (Chromium, coturn, CJK fonts), installed when missing.

The machines run as root with Debian's package registry reachable; a fresh machine has never
run ``apt-get update``, so the first install refreshes the package lists.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

#: one installer at a time: parallel test workers may all find the same package missing
APT_LOCK = Path(tempfile.gettempdir()) / "baeum-tests-apt.lock"


def _install(package: str, present: Callable[[], bool]) -> None:
    """``apt-get install package`` unless ``present()`` (asked again once the lock is held:
    another worker may have installed it meanwhile)."""
    if present():
        return
    with APT_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if present():
            return
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True,  # noqa: S607
                       timeout=600, env=env)  # fmt: skip
        subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,  # noqa: S603, S607
                       capture_output=True, timeout=1200, env=env)  # fmt: skip


def ensure(binary: str, package: str) -> str:
    """The path of ``binary``, installing ``package`` first if the binary is not there."""
    _install(package, lambda: shutil.which(binary) is not None)
    path = shutil.which(binary)
    assert path is not None, f"{package} could not be installed"
    return path


def ensure_file(path: str | Path, package: str) -> Path:
    """``path``, installing ``package`` first if that file is not there: for what a package
    ships that is not a command on the PATH (fonts, data files)."""
    wanted = Path(path)
    _install(package, wanted.exists)
    assert wanted.exists(), f"{package} was installed but did not provide {wanted}"
    return wanted
