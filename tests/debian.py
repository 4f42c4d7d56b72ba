"""Debian packages some tests need (Chromium, coturn, CJK fonts), installed when missing.

The machines run as root with Debian's package registry reachable; a fresh machine has never
run ``apt-get update``, so the first install refreshes the package lists.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def ensure(binary: str, package: str) -> str:
    """The path of ``binary``, installing ``package`` first if the binary is not there."""
    path = shutil.which(binary)
    if path is None:
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True,  # noqa: S607
                       timeout=600, env=env)  # fmt: skip
        subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,  # noqa: S603, S607
                       capture_output=True, timeout=1200, env=env)  # fmt: skip
        path = shutil.which(binary)
    assert path is not None, f"{package} could not be installed"
    return path


def ensure_file(path: str | Path, package: str) -> Path:
    """``path``, installing ``package`` first if that file is not there: for what a package
    ships that is not a command on the PATH (fonts, data files)."""
    wanted = Path(path)
    if not wanted.exists():
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True,  # noqa: S607
                       timeout=600, env=env)  # fmt: skip
        subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,  # noqa: S603, S607
                       capture_output=True, timeout=1200, env=env)  # fmt: skip
    assert wanted.exists(), f"{package} was installed but did not provide {wanted}"
    return wanted
