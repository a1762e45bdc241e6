import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import tierwise

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

MMC = """
[run]
start = "2026-03-02T00:00:00Z"
arrivals = 600
seed = 11
[targets]
answer_within = "20s"
[[streams]]
name = "calls"
channel = "phone"
per_hour = 240
handle = { dist = "exponential", mean = "6m" }
patience = { dist = "exponential", mean = "3m" }
[[teams]]
name = "desk"
agents = 26
tier = "L1"
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def global_policy() -> tierwise.Policy:
    return tierwise.Policy.from_file(EXAMPLES / "policies" / "global-desk.toml")


@pytest.fixture
def roster() -> list:
    return json.loads((EXAMPLES / "routing" / "agents.json").read_text())["agents"]


@pytest.fixture
def events_text() -> str:
    return (EXAMPLES / "routing" / "events.jsonl").read_text()


@pytest.fixture
def small() -> tierwise.Scenario:
    return tierwise.Scenario.from_toml(MMC)
