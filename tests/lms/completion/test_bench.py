"""The cohort_completion benchmark runs end to end against a real server and reports its
figures (their shape and sanity, never how fast: timings depend on the machine)."""

from __future__ import annotations

from tests.bench.test_bench_cli import last_json_line, run_bench


def test_cohort_completion_benchmark_judges_everyone() -> None:
    proc = run_bench("cohort_completion", "--trainees", "20", "--days", "2", "--repeat", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "cohort_completion"
    assert figures["trainees"] == 20
    assert figures["sessions"] == 2
    assert figures["attendance_events"] > 20
    assert sum(figures["outcomes"].values()) == 20
    assert figures["outcomes"]["undetermined"] == 0  # every criterion had records to judge
    assert figures["cohort_completion_ms"] > 0
    assert set(figures["goal"]) == {"cohort_completion_ms"}
