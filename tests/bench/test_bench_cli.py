"""The benchmark command line works end to end: it lists, runs, and ends with one JSON line.

These run ``python -m bench`` as a user would, in a subprocess, against a real server it starts
itself. They check the shape and sanity of the figures, never how fast anything was: timings
depend on the machine and its load, and a test that fails on a slow CI runner tests nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).parents[2]
TIMEOUT_S = 120


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (a fixed command: this interpreter, -m bench)
        [sys.executable, "-m", "bench", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def last_json_line(stdout: str) -> dict[str, Any]:
    """The contract of every benchmark: its last line is one JSON object."""
    lines = stdout.strip().splitlines()
    assert lines, "no output"
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict)
    return figures


def test_lists_benchmarks() -> None:
    proc = run_bench()
    assert proc.returncode == 0, proc.stderr
    names = {line.split()[0] for line in proc.stdout.splitlines()[1:] if line.strip()}
    assert {"http", "classroom", "sfu", "breakout", "votes", "board"} <= names


def test_unknown_benchmark_is_refused() -> None:
    proc = run_bench("no-such-bench")
    assert proc.returncode == 2
    assert "http" in proc.stderr


def test_http_benchmark_runs_and_reports_figures() -> None:
    proc = run_bench("http", "--duration", "2", "--concurrency", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "http"
    assert figures["errors"] == 0
    assert figures["database"] == "sqlite"
    assert figures["concurrency"] == 2
    for name in (
        "login_rps",
        "login_p99_ms",
        "read_rps",
        "read_p50_ms",
        "read_p99_ms",
        "server_cpu_s",
    ):
        assert isinstance(figures[name], int | float), name
        assert figures[name] > 0, name
    assert figures["read_p50_ms"] <= figures["read_p99_ms"]
    assert set(figures["goal"]) == {"read_p99_ms", "errors"}


def test_classroom_benchmark_delivers_every_message_to_everyone() -> None:
    proc = run_bench("classroom", "--participants", "12", "--messages", "5", "--rate", "20")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "classroom"
    assert figures["participants"] == 12
    assert figures["deliveries"] == 12 * 5
    assert figures["lost"] == 0
    assert figures["refused"] == 0
    for name in ("join_p99_ms", "chat_p50_ms", "chat_p99_ms"):
        assert figures[name] > 0, name
    # 60 deliveries may take less than one clock tick of server CPU: then the rate is unknown
    if figures["server_cpu_s"] > 0:
        assert figures["deliveries_per_cpu_s"] == pytest.approx(60 / figures["server_cpu_s"], 0.01)
    else:
        assert figures["deliveries_per_cpu_s"] is None
    assert figures["chat_p50_ms"] <= figures["chat_p99_ms"]


def test_sfu_benchmark_forwards_decodable_video_to_every_subscriber() -> None:
    proc = run_bench("sfu", "--subscribers", "2", "--seconds", "2", "--compare")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "sfu"
    assert figures["decode_errors"] == 0
    assert figures["no_first_frame"] == 0
    assert figures["forwarded_packets"] > 0
    for name in ("us_per_packet", "subscriber_fps_min", "first_keyframe_p95_ms", "relay_ratio"):
        assert figures[name] > 0, name


def test_sfu_benchmark_camera_pattern_makes_frames_of_several_packets() -> None:
    proc = run_bench("sfu", "--subscribers", "1", "--seconds", "2", "--source", "pattern")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["source"] == "pattern"
    assert figures["packets_per_frame"] > 1
    assert figures["video_kbps"] > 0
    assert figures["decode_errors"] == 0
    assert figures["no_first_frame"] == 0


def test_sfu_benchmark_class_gets_each_page_and_the_speakers_voices() -> None:
    proc = run_bench(
        "sfu", "--class", "6", "--gallery", "3", "--speakers", "2", "--observers", "2",
        "--seconds", "2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "sfu"
    assert (figures["class_size"], figures["gallery"], figures["speakers"]) == (6, 3, 2)
    assert figures["decode_errors"] == 0
    assert figures["no_first_frame"] == 0
    # every subscriber receives the video of exactly the 3 people on its page ...
    assert figures["videos_received_per_subscriber"] == [3, 3]
    assert figures["unexpected_videos"] == 0, proc.stdout
    # ... and the 2 speakers' voices (a speaker: the other's), no one else's
    assert figures["audio_streams_forwarded"] == 2
    assert figures["unexpected_audio"] == 0, proc.stdout
    assert figures["forwarded_packets"] > 0
    for name in ("us_per_packet", "subscriber_fps_min", "first_keyframe_p95_ms", "video_kbps"):
        assert figures[name] > 0, name


def test_breakout_benchmark_moves_everyone_into_a_group_and_back() -> None:
    proc = run_bench("breakout", "--participants", "6", "--groups", "2", "--rounds", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "breakout"
    assert (figures["participants"], figures["groups"], figures["rounds"]) == (6, 2, 1)
    # everyone found themselves in a group's members, and everyone was told of the close
    assert (figures["not_moved"], figures["not_back"], figures["misplaced"]) == (0, 0, 0)
    for name in (
        "all_moved_p50_ms",
        "all_moved_max_ms",
        "all_back_p50_ms",
        "all_back_max_ms",
        "open_ack_p50_ms",
        "close_ack_p50_ms",
        "join_p99_ms",
    ):
        assert isinstance(figures[name], int | float), name
        assert figures[name] > 0, name
    assert len(figures["all_moved_ms"]) == len(figures["all_back_ms"]) == 1
    for name in ("server_cpu_s", "open_cpu_s", "close_cpu_s", "load_cpu_s", "join_cpu_s"):
        assert isinstance(figures[name], int | float), name
        assert figures[name] >= 0, name  # a few events may take less than a clock tick
    assert figures["all_moved_p50_ms"] <= figures["all_moved_max_ms"]
    assert figures["goal_met"] is False  # 6 people in 2 groups are not the goal's class
    assert set(figures["goal"]) == {"participants", "groups", "all_moved_ms"}


def test_votes_benchmark_counts_every_vote_once_and_everyone_sees_the_tally() -> None:
    proc = run_bench("votes", "--participants", "8", "--window-s", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "votes"
    assert (figures["participants"], figures["window_s"]) == (8, 1.0)
    # one retry (same request id) and one double tap (two request ids) still count once each
    assert (figures["retries"], figures["double_taps"], figures["submits"]) == (1, 1, 10)
    assert (figures["lost"], figures["doubled"]) == (0, 0)
    assert figures["final_total"] == figures["expected_total"] == figures["respondents"] == 8
    assert figures["counts_match"] is True
    assert figures["final_counts"] == figures["expected_counts"]
    assert (figures["refused"], figures["unanswered"], figures["not_converged"]) == (0, 0, 0)
    for name in (
        "converge_ms",
        "converge_from_send_ms",
        "last_ack_after_window_ms",
        "ack_p50_ms",
        "ack_p99_ms",
        "opened_all_ms",
        "server_cpu_s",
        "load_cpu_s",
        "messages_per_client_p50",
        "poll_results_per_client_p50",
        "join_p99_ms",
    ):
        assert isinstance(figures[name], int | float), name
    assert figures["poll_results_per_client_p50"] >= 1  # at least the final tally
    assert figures["messages_per_client_p50"] >= figures["poll_results_per_client_p50"]
    assert figures["server_cpu_s"] >= 0
    assert figures["goal_met"] is False  # 8 people are not the goal's class
    assert set(figures["goal"]) == {"participants", "converge_ms", "lost", "doubled"}


def test_board_benchmark_gives_everyone_every_post_once() -> None:
    proc = run_bench("board", "--participants", "6", "--posts", "2", "--retries", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = last_json_line(proc.stdout)
    assert figures["bench"] == "board"
    assert (figures["participants"], figures["posts_each"], figures["retries"]) == (6, 2, 2)
    # two retries with the same request id: 14 sends, 12 posts, each answered with its first post
    assert (figures["submits"], figures["posts"], figures["retry_mismatch"]) == (14, 12, 0)
    assert (figures["refused"], figures["unanswered"], figures["held"]) == (0, 0, 0)
    # every client (6 and the instructor) was pushed every post exactly once ...
    assert figures["not_converged"] == 0
    assert figures["deliveries"] == figures["expected_deliveries"] == 12 * 7
    assert figures["repeated_pushes"] == 0
    # ... and then found the same 12 posts on the board, as the database holds them
    assert figures["states_identical"] is True
    assert (figures["lost"], figures["extra"], figures["duplicate_ids"]) == (0, 0, 0)
    assert figures["db_posts"] == figures["db_request_ids"] == 12
    assert figures["duplicates"] == 0
    for name in (
        "converge_ms",
        "converge_p50_ms",
        "posts_per_s",
        "ack_p50_ms",
        "ack_p99_ms",
        "reopen_all_ms",
        "opened_all_ms",
        "join_p99_ms",
    ):
        assert isinstance(figures[name], int | float), name
        assert figures[name] > 0, name
    for name in ("server_cpu_s", "reopen_cpu_s", "load_cpu_s", "join_cpu_s"):
        assert isinstance(figures[name], int | float), name
        assert figures[name] >= 0, name  # a few events may take less than a clock tick
    assert figures["converge_p50_ms"] <= figures["converge_ms"]
    assert figures["ack_p50_ms"] <= figures["ack_p99_ms"]
    assert figures["goal_met"] is False  # 6 people are not the goal's class
    assert set(figures["goal"]) == {"participants", "converge_ms", "lost", "duplicates"}
