"""A memory probe for benchmark nodes: ``python -m bench soak --memory-probe DIR`` puts this
directory first on the nodes' PYTHONPATH, so every node loads it at start-up.

Why: the soak's RSS samples say *that* a node grows, not *where*. Every ``SOAK_MEMPROBE_EVERY_S``
(10 s) a daemon thread appends one JSON line to ``$SOAK_MEMPROBE_DIR/<pid>.jsonl`` with what
separates the candidates: the kernel's view (``smaps_rollup``; the ``[heap]`` mapping versus
anonymous mmaps), glibc malloc's own (``mallinfo2``: bytes in use versus free but kept, i.e.
a leak versus fragmentation), CPython's (allocated blocks, objects the collector tracks) and,
every minute, the most numerous object types. ``SOAK_MEMPROBE_TRIM_EVERY_S`` also calls glibc's
``malloc_trim(0)`` that often and records what it gave back. Not part of the server: it runs
only in ``python -m server serve`` with ``SOAK_MEMPROBE_DIR`` set (and shadows any other
``sitecustomize``, which is fine for a benchmark node).
"""

from __future__ import annotations

import collections
import ctypes
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
            "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _mallinfo() -> dict[str, float]:
    try:
        fn = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return {}
    fn.restype = _MallInfo2
    info = fn()
    mb = 1 / (1024 * 1024)
    return {
        "sbrk_arenas_mb": round(info.arena * mb, 2),  # main + thread arenas' heap bytes
        "mmap_mb": round(info.hblkhd * mb, 2),  # large blocks mapped one by one
        "in_use_mb": round(info.uordblks * mb, 2),
        "free_kept_mb": round(info.fordblks * mb, 2),
    }


def _maps() -> dict[str, float]:
    """RSS by kind of mapping, from /proc/self/smaps (kB → MB)."""
    out: dict[str, float] = collections.defaultdict(float)
    kind = "file"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        first = line.split(None, 1)[0]
        if "-" in first and not first.endswith(":"):
            parts = line.split()
            name = parts[5] if len(parts) > 5 else ""
            kind = "heap" if name == "[heap]" else "anon" if not name else (
                "stack" if name.startswith("[stack") else "file"
            )  # fmt: skip
        elif first == "Rss:":
            out[kind] += int(line.split()[1]) / 1024
    return {f"rss_{k}_mb": round(v, 1) for k, v in out.items()}


def _sample(top: bool) -> dict[str, object]:
    row: dict[str, object] = {"t": round(time.time(), 1)}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "Threads:")):
            key, value = line.split(":", 1)
            row[key] = int(value.split()[0])
    row.update(_maps())
    row.update(_mallinfo())
    row["py_blocks"] = sys.getallocatedblocks()
    objects = gc.get_objects()
    row["gc_objects"] = len(objects)
    if top:
        counts = collections.Counter(type(o).__qualname__ for o in objects)
        row["types"] = dict(counts.most_common(40))
    del objects
    return row


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _trim() -> tuple[int, float]:
    """glibc's malloc_trim(0): give back free pages inside the heap, not only at its top; the
    kB of RSS that went and the ms it took (an experiment: is the growth free memory malloc
    keeps, and what would trimming cost?)."""
    before, started = _rss_kb(), time.perf_counter()
    ctypes.CDLL(None).malloc_trim(0)
    return before - _rss_kb(), round((time.perf_counter() - started) * 1000, 2)


def _loop(path: Path, every: float) -> None:
    trim_every = float(os.environ.get("SOAK_MEMPROBE_TRIM_EVERY_S", "0"))
    trimmed = time.monotonic()
    n = 0
    while True:
        try:
            row = _sample(top=n % max(1, round(60 / every)) == 0)
            if trim_every and time.monotonic() - trimmed >= trim_every:
                row["trim_freed_kb"], row["trim_ms"] = _trim()
                trimmed = time.monotonic()
            with path.open("a") as out:
                out.write(json.dumps(row) + "\n")
        except Exception as exc:  # a probe must never take the node down
            with path.open("a") as out:
                out.write(json.dumps({"error": repr(exc)}) + "\n")
        n += 1
        time.sleep(every)


def _start() -> None:
    where = os.environ.get("SOAK_MEMPROBE_DIR")
    if not where or sys.orig_argv[-3:] != ["-m", "server", "serve"]:
        return  # only the serving node, not migrate/demo or a client
    path = Path(where) / f"{os.getpid()}.jsonl"
    every = float(os.environ.get("SOAK_MEMPROBE_EVERY_S", "10"))
    threading.Thread(target=_loop, args=(path, every), name="memprobe", daemon=True).start()


_start()
