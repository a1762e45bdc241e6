import json
from datetime import datetime, timedelta

import pytest

import tierwise
from conftest import utc


def events_from(text):
    return [json.loads(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_apply_returns_decision_dicts_with_aware_datetimes(global_policy, roster):
    engine = tierwise.Engine(global_policy, roster)
    assert engine.now is None
    out = engine.apply({"at": utc(2026, 3, 6, 8, 0), "event": "agent_logged_in", "agent": "maria"})
    assert all(isinstance(d, dict) for d in out)
    out = engine.apply(
        {
            "at": utc(2026, 3, 6, 8, 5),
            "event": "ticket_created",
            "ticket": {"id": "T1", "created_at": utc(2026, 3, 6, 8, 5), "channel": "chat", "language": "es"},
        }
    )
    offers = [d for d in out if d["decision"] == "offer"]
    assert offers and offers[0]["agent"] == "maria" and offers[0]["ticket"] == "T1"
    assert offers[0]["at"] == utc(2026, 3, 6, 8, 5)
    assert offers[0]["expires_at"].tzinfo is not None
    assert engine.now == utc(2026, 3, 6, 8, 5)


def test_apply_many_equals_apply_one_by_one_and_cli_text(global_policy, roster, events_text):
    events = events_from(events_text)
    one = tierwise.Engine(global_policy, roster)
    expected = [d for e in events for d in one.apply(e)]
    many = tierwise.Engine(global_policy, roster)
    assert many.apply_many(events) == expected
    lines = tierwise.Engine(global_policy, roster)
    assert lines.apply_many(events_text) == expected
    assert tierwise.Engine(global_policy, roster).apply_many(events_text.encode()) == expected
    assert tierwise.Engine(global_policy, roster).apply_many(iter(events)) == expected
    assert expected  # the example makes decisions


def test_snapshot_restore_continues_identically(global_policy, roster, events_text):
    events = events_from(events_text)
    whole = tierwise.Engine(global_policy, roster)
    expected = whole.apply_many(events)
    half = len(events) // 2
    a = tierwise.Engine(global_policy, roster)
    first = a.apply_many(events[:half])
    data = a.snapshot()
    assert isinstance(data, bytes)
    b = tierwise.Engine.restore(global_policy, data)
    assert first + b.apply_many(events[half:]) == expected
    assert b.snapshot() == whole.snapshot()


def test_event_errors_name_paths(global_policy, roster):
    engine = tierwise.Engine(global_policy, roster)
    with pytest.raises(tierwise.EventError) as info:
        engine.apply({"at": datetime(2026, 3, 6, 8, 0), "event": "agent_logged_in", "agent": "maria"})
    assert info.value.path == "at" and info.value.code == "naive_datetime"
    with pytest.raises(tierwise.EventError) as info:
        engine.apply({"at": utc(2026, 3, 6, 8, 0), "event": "agent_logged_in", "agnet": "maria"})
    assert info.value.code in ("unknown_field", "missing_field")
    with pytest.raises(tierwise.EventError) as info:
        engine.apply({"event": "tick"})
    assert info.value.path == "at"
    with pytest.raises(tierwise.EventError):
        engine.apply({"at": utc(2026, 3, 6, 8, 0), "event": "teleported"})
    with pytest.raises(TypeError):
        engine.apply(42)
    with pytest.raises(TypeError):
        engine.apply({"at": utc(2026, 3, 6, 8, 0), "event": "tick", "extra": {1, 2}.__class__})
    good = {"at": utc(2026, 3, 6, 9, 0), "event": "tick"}
    engine.apply(good)
    with pytest.raises(tierwise.EventError) as info:  # out of order
        engine.apply({"at": utc(2026, 3, 6, 8, 0), "event": "tick"})
    with pytest.raises(tierwise.EventError) as info:
        engine.apply_many([good, {"at": utc(2026, 3, 6, 10, 0), "event": "tick"}, {"event": "tick"}])
    assert info.value.path == "events[2].at"


def test_roster_and_snapshot_errors(global_policy):
    with pytest.raises(tierwise.RosterError) as info:
        tierwise.Engine(global_policy, [{"id": "a", "tier": "L9"}])
    assert "tier" in info.value.path
    with pytest.raises(tierwise.SnapshotError):
        tierwise.Engine.restore(global_policy, b"not a snapshot")
    with pytest.raises(tierwise.SnapshotError):
        tierwise.Engine.restore(global_policy, b'{"format": 99}')
    with pytest.raises(TypeError):
        tierwise.Engine(global_policy, 5)


def test_now_and_timezones_other_than_utc(global_policy, roster):
    from datetime import timezone

    madrid = timezone(timedelta(hours=1))
    engine = tierwise.Engine(global_policy, roster)
    engine.apply({"at": datetime(2026, 3, 6, 9, 0, tzinfo=madrid), "event": "agent_logged_in", "agent": "maria"})
    assert engine.now == utc(2026, 3, 6, 8, 0)


def test_apply_many_json_output_matches_dicts(global_policy, roster, events_text):
    dicts = tierwise.Engine(global_policy, roster).apply_many(events_text)
    raw = tierwise.Engine(global_policy, roster).apply_many(events_text, output="json")
    assert isinstance(raw, bytes)
    decoded = [json.loads(line) for line in raw.decode().splitlines()]
    assert len(decoded) == len(dicts)
    for d, j in zip(dicts, decoded):
        assert d["decision"] == j["decision"]
        assert d["at"] == datetime.fromisoformat(j["at"].replace("Z", "+00:00"))
    with pytest.raises(ValueError):
        tierwise.Engine(global_policy, roster).apply_many(events_text, output="xml")


def test_apply_many_names_the_line_that_is_not_utf8(global_policy, roster, events_text):
    lines = events_text.encode().split(b"\n")
    bad = b"\n".join(lines[:2] + [b'{"at": "2026-03-06T09:00:00Z", "event": "tick", "x": "\xff"}'] + lines[2:])
    for output in ("dicts", "json"):
        with pytest.raises(tierwise.EventError) as info:
            tierwise.Engine(global_policy, roster).apply_many(bad, output=output)
        assert info.value.path == "events[2]" and info.value.code == "syntax", output
        assert "not UTF-8" in str(info.value)


def test_apply_many_names_the_line_of_a_lone_surrogate(global_policy, roster, events_text):
    # A str that cannot be written in UTF-8 fails at its line, as bytes do,
    # with the events before it applied.
    lines = events_text.split("\n")
    bad = "\n".join(lines[:2] + ['{"at": "2026-03-06T09:00:00Z", "event": "tick", "x": "\ud800"}'] + lines[2:])
    for output in ("dicts", "json"):
        engine = tierwise.Engine(global_policy, roster)
        with pytest.raises(tierwise.EventError) as info:
            engine.apply_many(bad, output=output)
        assert info.value.path == "events[2]" and info.value.code == "syntax", output
        assert "not UTF-8" in str(info.value)
        second = datetime.fromisoformat(json.loads(lines[1])["at"].replace("Z", "+00:00"))
        assert engine.now == second, output


def test_apply_many_to_json_lets_other_threads_run():
    # With a switch interval this long the calling thread never hands the GIL
    # over by itself: the other thread runs during the call only if
    # apply_many releases it (without, it runs at join(), and sees False).
    import sys
    import threading

    policy = tierwise.Policy.default()
    roster = [{"id": f"a{i}", "tier": "L1"} for i in range(50)]
    lines = [f'{{"at": "2026-03-02T00:00:00Z", "event": "agent_logged_in", "agent": "a{i}"}}' for i in range(50)]
    for i in range(1, 80_001):
        at = f"2026-03-02T{i // 3600:02}:{i // 60 % 60:02}:{i % 60:02}Z"
        lines.append(f'{{"at": "{at}", "event": "ticket_created", '
                     f'"ticket": {{"id": "T{i}", "created_at": "{at}", "channel": "chat"}}}}')
        lines.append(f'{{"at": "{at}", "event": "ticket_closed", "ticket": "T{i}"}}')
    text = "\n".join(lines)
    engine = tierwise.Engine(policy, roster)
    in_call, seen, go = [False], [], threading.Event()

    def other() -> None:
        go.wait()
        seen.append(in_call[0])

    interval = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        thread = threading.Thread(target=other)
        thread.start()
        in_call[0] = True
        go.set()
        out = engine.apply_many(text, output="json")
        in_call[0] = False
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert seen == [True]
    assert out.count(b'"decision":"offer"') == 80_000


def test_shared_instants_are_equal_not_confused(global_policy, roster):
    engine = tierwise.Engine(global_policy, roster)
    seen = []
    for minute in range(5):
        at = utc(2026, 3, 6, 8, minute)
        out = engine.apply({"at": at, "event": "tick"} if minute else
                           {"at": at, "event": "agent_logged_in", "agent": "maria"})
        seen.append(engine.now)
        assert all(d["at"] == at for d in out if d["decision"] != "wake_at")
        assert all(d["at"] > at for d in out if d["decision"] == "wake_at")
    assert seen == [utc(2026, 3, 6, 8, m) for m in range(5)]


def test_reload_switches_policy_or_refuses_unchanged():
    ana = [{"id": "ana", "tier": "L1", "skills": {"network": 2}, "capacity": {"chat": 1}}]
    strict = tierwise.Policy.from_dict({"version": 1})
    relaxing = tierwise.Policy.from_dict(
        {"version": 1, "routing": {"relaxation": [{"after": "5m", "lower_levels": 1}]}}
    )
    engine = tierwise.Engine(strict, ana)
    engine.apply({"at": utc(2026, 3, 2, 9, 0), "event": "agent_logged_in", "agent": "ana"})
    ticket = {"id": "T1", "created_at": utc(2026, 3, 2, 9, 0), "channel": "chat", "skills": {"network": 3}}
    assert not [d for d in engine.apply({"at": utc(2026, 3, 2, 9, 0), "event": "ticket_created", "ticket": ticket})
                if d["decision"] == "offer"]
    out = engine.reload(relaxing)
    assert out[-1] == {"decision": "wake_at", "at": utc(2026, 3, 2, 9, 5)}
    assert engine.policy is relaxing
    offers = [d for d in engine.apply({"at": utc(2026, 3, 2, 9, 5), "event": "tick"}) if d["decision"] == "offer"]
    assert [(d["ticket"], d["agent"]) for d in offers] == [("T1", "ana")]
    engine.apply({"at": utc(2026, 3, 2, 9, 5, 5), "event": "offer_accepted", "agent": "ana", "ticket": "T1"})
    before = engine.snapshot()
    with pytest.raises(tierwise.PolicyError) as info:
        engine.reload(strict)
    assert info.value.code == "inconsistent"
    assert "cannot serve" in str(info.value)
    assert engine.snapshot() == before and engine.policy is relaxing
    with pytest.raises(TypeError):
        engine.reload("not a policy")  # type: ignore[arg-type]
