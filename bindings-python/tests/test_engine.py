import json
from datetime import datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tierwise
from conftest import utc
from test_no_panic import EVENTS


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
    # Decisions are in UTC with fold 0, whatever the zone or fold of their event's `at`.
    for at in (datetime(2026, 3, 6, 9, 5, tzinfo=madrid), utc(2026, 3, 6, 8, 6).replace(fold=1)):
        ticket = {"id": f"T{at.minute}", "created_at": at, "channel": "chat"}
        out = engine.apply({"at": at, "event": "ticket_created", "ticket": ticket})
        times = [d[k] for d in out for k in ("at", "expires_at") if k in d]
        assert out[0]["decision"] == "offer" and times[0] == at
        assert all(t.tzinfo is timezone.utc and t.fold == 0 and type(t) is datetime for t in times)
        engine.apply({"at": at, "event": "ticket_closed", "ticket": ticket["id"]})


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


# A ticket that no agent can take at once in the skills-first policy, so its
# offer comes after relaxation steps.
RELAXED = (
    '{"at": "2026-03-06T08:20:00Z", "event": "ticket_created", "ticket": {"id": "INC-9", '
    '"created_at": "2026-03-06T08:20:00Z", "channel": "chat", "language": "es", "skills": {"access": 3}}}\n'
    '{"at": "2026-03-06T08:40:00Z", "event": "tick"}\n'
)


def _decoded(value, key=None):
    """A decision decoded from JSON, its instants as `datetime`s."""
    if isinstance(value, dict):
        return {k: _decoded(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if key in ("at", "expires_at", "due"):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _keys_sorted(value):
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(_keys_sorted(v) for v in value.values())
    if isinstance(value, list):
        return all(_keys_sorted(v) for v in value)
    return True


@pytest.mark.parametrize("policy_file", ["global-desk.toml", "global-desk-skills-first.toml"])
@pytest.mark.parametrize("explain", [False, True])
def test_decision_dicts_are_the_json_decisions_keys_sorted(policy_file, explain, roster, events_text):
    from conftest import EXAMPLES

    policy = tierwise.Policy.from_file(EXAMPLES / "policies" / policy_file)
    text = events_text + RELAXED
    dicts = tierwise.Engine(policy, roster, explain=explain).apply_many(text)
    raw = tierwise.Engine(policy, roster, explain=explain).apply_many(text, output="json")
    assert dicts == [_decoded(json.loads(line)) for line in raw.decode().splitlines()]
    # As JSON values give them (offers and wake-ups are built directly).
    assert all(_keys_sorted(d) for d in dicts)
    whys = [d["why"] for d in dicts if d["decision"] == "offer"]
    assert whys and all({"due", "skills"} <= set(w) for w in whys)
    assert any("passed_over" in w for w in whys) == explain
    assert any("relaxation" in w for w in whys) == (policy_file == "global-desk-skills-first.toml")
    assert {d["decision"] for d in dicts} > {"offer", "wake_at"}


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


def _chat_desk(tickets: int) -> tuple[tierwise.Policy, list[dict[str, str]], list[str]]:
    """The default policy, 50 agents, and JSON lines: they log in, then
    `tickets` chats are created and closed, one a second."""
    policy = tierwise.Policy.default()
    roster = [{"id": f"a{i}", "tier": "L1"} for i in range(50)]
    lines = [f'{{"at": "2026-03-02T00:00:00Z", "event": "agent_logged_in", "agent": "a{i}"}}' for i in range(50)]
    for i in range(1, tickets + 1):
        at = f"2026-03-{2 + i // 86400:02}T{i // 3600 % 24:02}:{i // 60 % 60:02}:{i % 60:02}Z"
        lines.append(f'{{"at": "{at}", "event": "ticket_created", '
                     f'"ticket": {{"id": "T{i}", "created_at": "{at}", "channel": "chat"}}}}')
        lines.append(f'{{"at": "{at}", "event": "ticket_closed", "ticket": "T{i}"}}')
    return policy, roster, lines


def test_apply_many_json_of_many_megabytes_is_the_lines_in_order():
    # About 6.5 MB of decisions: more than one of the pieces the output is
    # gathered in before it becomes one `bytes`. The same lines come from
    # applying the events a thousand at a time (100 kB or so each).
    policy, roster, lines = _chat_desk(30_000)
    whole = tierwise.Engine(policy, roster).apply_many("\n".join(lines), output="json")
    engine = tierwise.Engine(policy, roster)
    parts = [engine.apply_many("\n".join(lines[i:i + 1000]), output="json") for i in range(0, len(lines), 1000)]
    assert len(whole) > 6_000_000 and whole.count(b'"decision":"offer"') == 30_000
    assert whole == b"".join(parts)
    # A list of dicts gathers its JSON lines the same way.
    dicts = [json.loads(line) for line in lines]
    assert tierwise.Engine(policy, roster).apply_many(dicts, output="json") == whole


def test_apply_many_to_json_lets_other_threads_run():
    # With a switch interval this long the calling thread never hands the GIL
    # over by itself: the other thread runs during the call only if
    # apply_many releases it (without, it runs at join(), and sees False).
    import sys
    import threading

    policy, roster, lines = _chat_desk(80_000)
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


class _General(dict):
    """A dict subclass, which the binding reads the general way (through a
    JSON value) rather than field by field."""


def _general(value):
    if isinstance(value, dict):
        return _General({k: _general(v) for k, v in value.items()})
    return value


def _outcome(call, argument):
    try:
        return call(argument)
    except Exception as e:  # compared whole: type, message, path and code
        # A panic caught in Rust (code "internal") is a bug on either side.
        assert getattr(e, "code", None) != "internal", repr(e)
        return (type(e), str(e), getattr(e, "path", None), getattr(e, "code", None))


_MADRID = timezone(timedelta(hours=1))
_at = st.datetimes(min_value=datetime(2026, 3, 6, 8), max_value=datetime(2026, 3, 6, 10),
                   timezones=st.sampled_from([timezone.utc, _MADRID]))
_agents = st.sampled_from(["maria", "sofia", "joy", "andres", "raj", "nobody"])
_ids = st.sampled_from(["T1", "T2", "T3"])
_ticket = st.fixed_dictionaries(
    {"id": _ids, "channel": st.sampled_from(["chat", "phone", "email"])},
    optional={"impact": st.sampled_from(["high", "medium", "low"]), "urgency": st.sampled_from(["high", "medium", "low"]),
              "category": st.sampled_from(["access", "network"]), "language": st.sampled_from(["es", "en"]),
              "confidential": st.booleans(),
              "skills": st.dictionaries(st.sampled_from(["network", "access", "software"]), st.integers(0, 5),
                                        max_size=2)},
)
_valid_events = st.one_of(
    st.fixed_dictionaries({"event": st.just("ticket_created"), "ticket": _ticket},
                          optional={"tier": st.sampled_from(["L1", "L2"]), "preferred_agent": _agents}),
    st.fixed_dictionaries({"ticket": _ids, "event": st.sampled_from(
        ["ticket_resolved", "ticket_closed", "ticket_reopened", "waiting_on_customer", "customer_replied",
         "agent_replied"])}),
    st.fixed_dictionaries({"agent": _agents, "event": st.sampled_from(["agent_logged_in", "agent_logged_out"])}),
    st.fixed_dictionaries({"agent": _agents, "event": st.just("agent_state_changed"),
                           "state": st.sampled_from(["available", "away"])}),
    st.fixed_dictionaries({"agent": _agents, "ticket": _ids, "event": st.sampled_from(
        ["agent_finished", "offer_accepted", "offer_rejected"])}),
    st.fixed_dictionaries({"ticket": _ids, "event": st.just("escalate_requested")},
                          optional={"to_tier": st.sampled_from(["L2", "L3"])}),
    st.fixed_dictionaries({"event": st.just("tick")}),
)
# What a field may wrongly hold.
_odd = st.one_of(
    st.sampled_from([None, 5, 3.0, True, 1, "fax", "", "teleported", "2026-03-06T08:00:00Z", {}, [], {"vpn": 256},
                     {"vpn": True}, {"vpn": -1}, {"vpn": 3.0}, {3: 1}, {"id": "T1"}]),
    st.datetimes(max_value=datetime(2026, 3, 7)),  # naive
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(1970, 1, 2), timezones=st.just(timezone.utc)),
)


@st.composite
def _events(draw):
    """An event of the usual shape; a third of them with one field changed,
    dropped or added (on the event or its ticket)."""
    event = draw(_valid_events)
    event["at"] = draw(_at)
    if isinstance(event.get("ticket"), dict):
        # Mostly the very object of the event's `at`, as hosts often pass it.
        event["ticket"]["created_at"] = event["at"] if draw(st.integers(0, 3)) else draw(_at)
    if draw(st.integers(0, 2)) == 0:
        target = event["ticket"] if isinstance(event.get("ticket"), dict) and draw(st.booleans()) else event
        keys = sorted(set(target) | {"x", "changes", "history", "skills", "confidential", "state", "tier", "agent"})
        key = draw(st.sampled_from(keys))
        if key in target and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(_odd)
    return event


# The fixtures are only read (a policy, the roster the engines copy).
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_events(), max_size=12))
def test_event_dicts_are_read_as_the_general_way_reads_them(global_policy, roster, events):
    # Events of the usual shape are read field by field; the rest, and a
    # dict subclass, the general way. Both must give the same decisions, or
    # the same error with the same path and code.
    quick = tierwise.Engine(global_policy, roster)
    general = tierwise.Engine(global_policy, roster)
    events = [{"at": utc(2026, 3, 6, 8), "event": "agent_logged_in", "agent": a} for a in ("maria", "sofia")] + events
    def when(e):
        at = e.get("at")
        return at if isinstance(at, datetime) and at.tzinfo and at.year == 2026 else utc(2026, 3, 6)

    for e in sorted(events, key=when):
        assert _outcome(quick.apply, e) == _outcome(general.apply, _general(e))
    assert quick.snapshot() == general.snapshot()


class _KeyEqualToAll(str):
    """A key that says it equals every other."""

    __hash__ = str.__hash__

    def __eq__(self, other):
        return True


class _Shifty(tzinfo):
    """A zone whose offset can be changed between two calls."""

    def __init__(self):
        self.hours = 0

    def utcoffset(self, dt):
        return timedelta(hours=self.hours)


def test_odd_keys_and_zones_are_read_as_the_general_way_reads_them(global_policy, roster):
    quick = tierwise.Engine(global_policy, roster)
    general = tierwise.Engine(global_policy, roster)
    at = utc(2026, 3, 6, 8)
    # A `str` subclass as a key is read as its text, whatever its `__eq__` says.
    odd = {"event": "tick", _KeyEqualToAll("bogus"): at}
    assert _outcome(quick.apply, odd) == _outcome(general.apply, _general(odd))
    assert _outcome(quick.apply, odd)[0] is tierwise.EventError
    # A key whose `__eq__` changes the dict while it is read: an error, not a panic.
    changing = {"at": at}

    class Changing(str):
        __hash__ = str.__hash__

        def __eq__(self, other):
            changing[f"k{len(changing)}"] = 1
            return other == "event"

    changing[Changing("x")] = "tick"
    assert _outcome(quick.apply, changing)[0] is tierwise.EventError
    # The same datetime object, read again after its zone changed.
    zone = _Shifty()
    local = datetime(2026, 3, 6, 9, tzinfo=zone)
    for engine, wrap in ((quick, dict), (general, _General)):
        zone.hours = 0
        engine.apply(wrap({"at": local, "event": "tick"}))
        assert engine.now == utc(2026, 3, 6, 9)
        zone.hours = -1
        engine.apply(wrap({"at": local, "event": "tick"}))
        assert engine.now == utc(2026, 3, 6, 10)
    assert quick.snapshot() == general.snapshot()


def test_instants_python_cannot_hold_raise_overflow_error(global_policy, roster):
    engine = tierwise.Engine(global_policy, roster)
    engine.apply('{"at": "0000-06-01T00:00:00Z", "event": "tick"}')
    with pytest.raises(OverflowError):
        engine.now


BAD_AT_NINE = '{"at": "2026-03-06T09:00:00Z", "event": "agent_logged_in", "agent": "nobody"}\n'
TICK_AT_NINE = '{"at": "2026-03-06T09:00:00Z", "event": "tick"}\n'


@pytest.mark.parametrize("form", ["dicts", "iterator", "str", "bytes", "json"])
def test_apply_many_stopping_at_a_bad_event_hands_out_what_it_decided(global_policy, roster, events_text, form):
    # Never stopping: the events, then a tick at the bad event's instant.
    output = "json" if form == "json" else "dicts"
    reference = tierwise.Engine(global_policy, roster).apply_many(events_text + TICK_AT_NINE, output=output)
    timers = tierwise.Engine(global_policy, roster)
    timers.apply_many(events_text)
    assert [d["decision"] for d in timers.apply(TICK_AT_NINE)] != ["wake_at"], "timers fire by 09:00"

    text = events_text + BAD_AT_NINE
    given = {
        "dicts": events_from(text),
        "iterator": iter(events_from(text)),
        "str": text,
        "bytes": text.encode(),
        "json": text,
    }[form]
    engine = tierwise.Engine(global_policy, roster)
    with pytest.raises(tierwise.EventError) as info:
        engine.apply_many(given, output=output)
    assert info.value.path.endswith(".agent") and info.value.path.startswith("events[")
    # What the good events and the timers decided comes with the error, once,
    # with when to call back: the next call decides only what is new.
    decided = info.value.decisions
    if output == "json":
        decided, wake = decided.rsplit(b"\n", 2)[0] + b"\n", decided.rsplit(b"\n", 2)[1]
        assert json.loads(wake)["decision"] == "wake_at"
    else:
        decided, wake = decided[:-1], decided[-1]
        assert wake["decision"] == "wake_at"
    after = engine.apply_many(TICK_AT_NINE, output=output)
    assert decided + after == reference


def test_apply_many_to_json_leaves_the_collector_alone_for_other_threads(global_policy, roster):
    import gc
    import threading

    login = '{"at": "2026-03-06T08:00:00Z", "event": "agent_logged_in", "agent": "maria"}\n'
    text = login + '{"at": "2026-03-06T08:00:00Z", "event": "tick"}\n' * 200_000
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.add(gc.isenabled())

    engine = tierwise.Engine(global_policy, roster)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        engine.apply_many(text, output="json")
    finally:
        done.set()
        watcher.join()
    assert seen == {True}


def test_lone_surrogates_are_errors_with_paths(global_policy, roster):
    engine = tierwise.Engine(global_policy, roster)
    with pytest.raises(tierwise.EventError) as info:
        engine.apply({"at": utc(2026, 3, 6, 8, 0), "event": "agent_logged_in", "agent": "ma\ud800ria"})
    assert info.value.path == "agent" and info.value.code == "syntax"
    with pytest.raises(tierwise.EventError) as info:
        engine.apply_many([{"at": utc(2026, 3, 6, 8, 0), "event": "tick"}, '{"at": "\ud800"}'])
    assert info.value.path == "events[1]" and info.value.code == "syntax"
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy({"version": 1, "tiers": ["L1", "\ud800"]})
    assert info.value.path == "tiers[1]"
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy({"version": 1, "\ud800": 1})
    assert info.value.code == "syntax"


def test_none_in_changes_clears_the_field():
    # As in the Rust core and the JSON reader: None (null) clears a field.
    policy = tierwise.Policy.from_dict({"version": 1})
    roster = [{"id": "a", "tier": "L1", "languages": ["en"], "capacity": {"chat": 1}}]
    engine = tierwise.Engine(policy, roster)
    engine.apply({"at": utc(2026, 3, 2, 9, 0), "event": "agent_logged_in", "agent": "a"})
    ticket = {"id": "t", "created_at": utc(2026, 3, 2, 9, 0), "channel": "chat", "language": "es"}
    out = engine.apply({"at": utc(2026, 3, 2, 9, 0), "event": "ticket_created", "ticket": ticket})
    assert not [d for d in out if d["decision"] == "offer"]
    changes = {"language": None}
    out = engine.apply({"at": utc(2026, 3, 2, 9, 1), "event": "ticket_updated", "ticket": "t", "changes": changes})
    assert [(d["ticket"], d["agent"]) for d in out if d["decision"] == "offer"] == [("t", "a")]
