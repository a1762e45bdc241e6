"""Hypothesis: arbitrary input never raises anything but the documented
exceptions (TierwiseError subclasses, TypeError, OSError), never a
pyo3_runtime.PanicException."""

import json
import math
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tierwise
from conftest import MMC

ALLOWED = (tierwise.TierwiseError, TypeError)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["P1", "L1", "L2", "phone", "chat", "1h", "20s", "-5m", "2026-03-02T09:00:00Z", "24/7"]),
    st.datetimes(timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-5))])),
    st.timedeltas(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["at", "event", "agent", "ticket", "id", "created_at", "channel", "tier", "name",
                             "agents", "per_hour", "x"]),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=12,
)
EVENTS = ["ticket_created", "ticket_updated", "ticket_resolved", "ticket_closed", "ticket_reopened",
          "waiting_on_customer", "customer_replied", "agent_replied", "agent_logged_in", "agent_logged_out",
          "agent_state_changed", "agent_finished", "offer_accepted", "offer_rejected", "escalate_requested", "tick"]


def _must_be_documented(f, *args):
    try:
        f(*args)
    except ALLOWED as e:
        # A panic in Rust reaches Python as a TierwiseError with code
        # "internal" (never a PanicException): a bug, not a documented refusal.
        assert getattr(e, "code", None) != "internal", repr(e)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(values)
def test_policy_from_anything(v):
    _must_be_documented(tierwise.Policy.from_dict, v)


@SETTINGS
@given(st.text(max_size=200))
def test_policy_from_any_text(t):
    for f in (tierwise.Policy.from_json, tierwise.Policy.from_toml, tierwise.Policy.from_yaml):
        _must_be_documented(f, t)


@SETTINGS
@given(st.lists(st.fixed_dictionaries(
    {"at": st.one_of(st.datetimes(min_value=datetime(2026, 3, 6), max_value=datetime(2026, 3, 8),
                                  timezones=st.just(timezone.utc)), values),
     "event": st.sampled_from(EVENTS)},
    optional={"agent": st.sampled_from(["maria", "joy", "sofia", "nobody"]),
              "ticket": st.one_of(st.sampled_from(["T1", "T2"]), st.fixed_dictionaries(
                  {"id": st.sampled_from(["T1", "T2"]), "created_at": st.just("2026-03-06T08:00:00Z"),
                   "channel": st.sampled_from(["chat", "phone", "fax"])})),
              "state": st.sampled_from(["available", "away", "gone"]),
              "to_tier": st.sampled_from(["L2", "L9"])}), max_size=15))
def test_engine_with_any_events(events):
    from conftest import EXAMPLES

    policy = tierwise.Policy.from_file(EXAMPLES / "policies" / "global-desk.toml")
    roster = json.loads((EXAMPLES / "routing" / "agents.json").read_text())["agents"]
    engine = tierwise.Engine(policy, roster)
    for e in events:
        _must_be_documented(engine.apply, e)
    _must_be_documented(tierwise.Engine.restore, policy, engine.snapshot())


@SETTINGS
@given(st.binary(max_size=300))
def test_restore_from_any_bytes(data):
    _must_be_documented(tierwise.Engine.restore, tierwise.Policy.default(), data)


@SETTINGS
@given(st.sampled_from(["teams.desk.agents", "streams.calls.per_hour", "run.seed", "streams.calls.handle",
                        "run.start", "teams[0]", "streams[9].x", "targets.answer_within", "teams.desk.shifts",
                        "a..b", "[", "streams.calls.patience.mean"]), values)
def test_scenario_edits(path, v):
    s = tierwise.Scenario.from_toml(MMC)
    s.set("run.arrivals", 50)
    try:
        s.set(path, v)
    except ALLOWED:
        return
    _must_be_documented(lambda: tierwise.simulate(s))


@SETTINGS
@given(values, values, st.one_of(values, st.floats(), st.timedeltas()))
def test_staffing_with_anything(a, b, c):
    from tierwise import staffing

    for f in (lambda: staffing.erlang_c(a, b, c), lambda: staffing.erlang_a(a, b, c, c),
              lambda: staffing.required_agents(b, c, a)):
        _must_be_documented(f)


@SETTINGS
@given(values, st.one_of(values, st.datetimes(timezones=st.sampled_from([None, timezone.utc]))))
def test_triage_with_anything(ticket, now):
    _must_be_documented(tierwise.triage, tierwise.Policy.default(), ticket, now)


def test_nan_and_infinite_never_pass_silently():
    s = tierwise.Scenario.from_toml(MMC)
    for bad in (math.nan, math.inf, -math.inf):
        try:
            s.set("streams.calls.per_hour", bad)
        except tierwise.ScenarioError as e:
            assert e.path == "streams.calls.per_hour"
        else:
            raise AssertionError("accepted a non-finite rate")


@SETTINGS
@given(values)
def test_engine_roster_from_anything(roster):
    _must_be_documented(tierwise.Engine, tierwise.Policy.default(), roster)


@SETTINGS
@given(values)
def test_scenario_from_anything(v):
    _must_be_documented(tierwise.Scenario.from_dict, v)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["teams.desk.agents", "streams.calls.per_hour", "run.seed", "teams[0].tier",
                                        "targets.answer_within", "nope"]),
                       st.lists(scalars, max_size=3), max_size=2),
       st.integers(min_value=-2, max_value=3))
def test_sweep_with_anything(params, replications):
    s = tierwise.Scenario.from_toml(MMC)
    s.set("run.arrivals", 30)
    try:
        tierwise.sweep_rows(s, params, replications=replications)
    except ALLOWED:
        pass


def _resident_bytes() -> int:
    """The process's resident memory now (Linux), not its peak."""
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_refused_calls_do_not_leak() -> None:
    import sys

    import pytest

    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/statm")
    from conftest import EXAMPLES

    policy = tierwise.Policy.from_file(EXAMPLES / "policies" / "global-desk.toml")
    roster = json.loads((EXAMPLES / "routing" / "agents.json").read_text())["agents"]
    engine = tierwise.Engine(policy, roster)
    snapshot = engine.snapshot()
    bad_ticket = {"created_at": "2026-03-02T09:00:00Z", "channel": "fax", "impact": "hgh", "skills": {"x": -1}}
    now = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)

    def batch() -> int:
        refused = 0
        for i in range(500):
            for call in (
                lambda: tierwise.Policy.from_dict({"version": 1, "calendars": {"x": {"timezone": f"Mars/{i}"}}}),
                lambda: tierwise.Policy.from_json("{" * 50 + str(i)),
                lambda: policy.triage(bad_ticket, now),
                lambda: engine.apply({"at": "2026-03-02T09:00:00Z", "event": "offer_accepted",
                                      "agent": "maria", "ticket": f"T{i}"}),
                lambda: tierwise.Engine.restore(policy, snapshot[: 40 + i]),
                lambda: tierwise.Engine(policy, [{"id": "a", "tier": "L9"}] * 3),
            ):
                try:
                    call()
                except tierwise.TierwiseError:
                    refused += 1
        return refused

    for _ in range(3):  # let the allocators reach their working size
        assert batch() == 3000
    before = _resident_bytes()
    for _ in range(10):
        batch()
    grown = _resident_bytes() - before
    # 30,000 refused calls: a leak of even 300 bytes each would show as 9 MB.
    print(f"resident memory {before} -> {before + grown} bytes over 30,000 refused calls")
    assert grown < 4 << 20, f"resident memory grew by {grown} bytes over 30,000 refused calls"
