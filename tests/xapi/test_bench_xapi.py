"""``python -m bench xapi`` runs end to end against a real server and ends with its JSON
figures; checked for shape and for the record it verifies (nothing lost, nothing doubled, a
repost accepted), never for speed."""

from __future__ import annotations

from tests.bench.test_bench_cli import last_json_line, run_bench


def test_the_xapi_benchmark_stores_every_statement_once() -> None:
    result = run_bench("xapi", "--statements", "600", "--batch", "50", "--concurrency", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = last_json_line(result.stdout)
    assert figures["bench"] == "xapi"
    assert figures["posts"] == 12
    assert (figures["stored"], figures["lost"], figures["extra"], figures["errors"]) == (
        600,
        0,
        0,
        0,
    )
    assert figures["repost_accepted"] is True
    assert figures["unresolved_actors"] == figures["unresolved_activities"] == 0
    assert 0 < figures["progress_rows"] <= 600
    assert figures["xapi_per_s"] > 0
    assert set(figures["goal"]) == {"xapi_per_s", "errors"}
    assert isinstance(figures["goal_met"], bool)
