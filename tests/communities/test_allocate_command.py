"""`knooppunt allocate`: JSON out, bad input refused with the field and exit status 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]

INSTANCE: dict[str, Any] = {
    "students": [
        {
            "id": "s1",
            "programme": "ICT",
            "school": "HAN",
            "level": "hbo",
            "choices": ["a2", "a1"],
            "priority": 0,
            "lottery": 2,
        },
        {
            "id": "s2",
            "programme": "Zorg",
            "school": "ROC",
            "level": "mbo",
            "choices": ["a2"],
            "priority": 1,
            "lottery": 1,
        },
        {"id": "s3", "programme": "ICT", "choices": []},
    ],
    "assignments": [
        {"id": "a1", "max_size": 2, "min_size": 0},
        {"id": "a2", "max_size": 1, "min_size": 0, "preferences": ["s1"]},
    ],
    "rules": {"min_programmes_per_team": 1, "unassigned_cost": 100},
}


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def allocate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("allocate", *args, stdout=out)
    return json.loads(out.getvalue())


def test_stable_and_optimal_results(tmp_path: Path) -> None:
    path = str(write(tmp_path, INSTANCE))
    stable = allocate(path, "--mode", "stable", "--format", "json")
    # a2 lists s1 first (its own ranking beats s2's priority): s2 is left out.
    assert stable["assignment"] == {"s1": "a2", "s2": None, "s3": None}
    assert stable["objective"] == 1 + 100 + 100
    assert stable["mode"] == "stable"
    optimal = allocate(path, "--mode", "optimal", "--time-limit", "10", "--seed", "3")
    assert optimal["assignment"] == {"s1": "a1", "s2": "a2", "s3": None}
    assert optimal["objective"] == 2 + 1 + 100
    assert optimal["bound"] == 103
    assert optimal["status"] == "optimal"
    assert set(optimal["stats"]) == {
        "students",
        "assigned",
        "first_choice",
        "top3",
        "teams",
        "seconds",
    }
    assert optimal["stats"]["assigned"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["students"][0]["choices"].append("nope"), "students[0].choices[2]"),
        (lambda d: d["students"][0]["choices"].append("a2"), "students[0].choices[2]"),
        (lambda d: d["students"][2].update(id="s1"), "students[2].id"),
        (lambda d: d["assignments"][0].update(max_size="2"), "assignments[0].max_size"),
        (
            lambda d: d["assignments"][1]["preferences"].append("s9"),
            "assignments[1].preferences[1]",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field(tmp_path: Path, change: Any, field: str) -> None:
    data = json.loads(json.dumps(INSTANCE))
    change(data)
    with pytest.raises(CommandError) as caught:
        call_command("allocate", str(write(tmp_path, data)), "--mode", "optimal")
    assert caught.value.returncode == 2
    assert field in str(caught.value)


def test_exit_status_2_reaches_the_shell(tmp_path: Path) -> None:
    data = json.loads(json.dumps(INSTANCE))
    data["students"][1]["choices"] = ["a2", "a2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "knooppunt.cli",
            "allocate",
            str(write(tmp_path, data)),
            "--mode",
            "stable",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "students[1].choices[1]" in done.stderr
    assert done.stdout == ""
    not_json = tmp_path / "broken.json"
    not_json.write_text("{", encoding="utf-8")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "knooppunt.cli", "allocate", str(not_json), "--mode", "stable"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "knooppunt.cli",
            "allocate",
            str(write(tmp_path, INSTANCE)),
            "--mode",
            "optimal",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["objective"] == 103


def test_missing_file_and_bad_time_limit(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("allocate", str(tmp_path / "none.json"), "--mode", "stable")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command(
            "allocate", str(write(tmp_path, INSTANCE)), "--mode", "optimal", "--time-limit", "0"
        )
    assert caught.value.returncode == 2
