"""``python -m bench`` lists the benchmarks; ``python -m bench NAME [options]`` runs one.

Each benchmark is a module with ``describe`` (one line), ``add_arguments(parser)`` and
``async def run(args) -> dict``. The registry maps a name to the module's import path, so that
listing does not import every benchmark's dependencies, and a new benchmark plugs in by adding
one module and one line here. The figures a benchmark returns are printed as the last line of
output, one JSON object, so scripts and RESULTS.md can take them without parsing prose.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, cast

REGISTRY: dict[str, str] = {
    "http": "bench.http",
    "classroom": "bench.classroom",
    "sfu": "bench.sfu",
    "breakout": "bench.breakout",
    "votes": "bench.votes",
    "board": "bench.board",
    "cohort_completion": "bench.cohort_completion",
    "xapi": "bench.xapi",
    "reports": "bench.reports",
    "panels": "bench.panels",
    "soak": "bench.soak",
}


class Benchmark(Protocol):
    """What ``python -m bench`` needs from a benchmark module."""

    describe: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]]


def load(name: str) -> Benchmark:
    """Import a registered benchmark only when it is listed or run."""
    return cast(Benchmark, importlib.import_module(REGISTRY[name]))


def list_benchmarks() -> None:
    """One line per benchmark: the name and what it measures."""
    print("Benchmarks (run one with: python -m bench NAME [options], NAME --help for options):")
    width = max(len(name) for name in REGISTRY)
    for name in sorted(REGISTRY):
        print(f"  {name:<{width}}  {load(name).describe}")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run one benchmark, print its JSON figures last."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("list", "-l", "--list"):
        list_benchmarks()
        return 0
    if argv[0] in ("-h", "--help"):
        print(__doc__)
        list_benchmarks()
        return 0
    name, rest = argv[0], argv[1:]
    if name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        print(f"bench: unknown benchmark {name!r}; known: {known}", file=sys.stderr)
        return 2
    bench = load(name)
    parser = argparse.ArgumentParser(prog=f"python -m bench {name}", description=bench.describe)
    bench.add_arguments(parser)
    args = parser.parse_args(rest)
    figures = asyncio.run(bench.run(args))
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
