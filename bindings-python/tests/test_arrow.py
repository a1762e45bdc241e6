"""Engine.apply_many on Arrow tables, and decisions as Arrow tables."""

import sys
from datetime import datetime

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tierwise
import tierwise._arrow
from conftest import utc
from test_engine import RELAXED, _at, _outcome, _valid_events, events_from

TICKET_FIELDS = ["created_at", "channel", "impact", "urgency", "priority", "category", "customer_tier", "language",
                 "skills", "confidential"]
TEXTS = ["event", "ticket", "agent", "tier", "preferred_agent", "state", "to_tier", "channel", "impact", "urgency",
         "priority", "category", "customer_tier", "language"]
SCHEMA = pa.schema(
    [("at", pa.timestamp("us", "UTC"))]
    + [(name, pa.string()) for name in TEXTS[:7]]
    + [("created_at", pa.timestamp("us", "UTC"))]
    + [(name, pa.string()) for name in TEXTS[7:]]
    + [("skills", pa.map_(pa.string(), pa.int64())), ("confidential", pa.bool_())]
)


def _instant(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def row_of(event):
    """An event dict as a row of the events table: the created ticket's
    fields (or an update's changes) in columns of their own."""
    row = {k: event.get(k) for k in ("event", "agent", "tier", "preferred_agent", "state", "to_tier")}
    row["at"] = _instant(event.get("at"))
    ticket = event.get("ticket")
    fields = ticket if isinstance(ticket, dict) else event.get("changes", {})
    row["ticket"] = ticket.get("id") if isinstance(ticket, dict) else ticket
    for name in TICKET_FIELDS:
        row[name] = fields.get(name)
    row["created_at"] = _instant(row["created_at"])
    if row["skills"] is not None:
        row["skills"] = list(row["skills"].items())
    return row


def table_of(events):
    return pa.Table.from_pylist([row_of(e) for e in events], schema=SCHEMA)


def event_of(row):
    """The event dict a table row stands for (nulls absent): the oracle."""
    event = {k: v for k, v in row.items() if v is not None and k not in TICKET_FIELDS}
    fields = {k: row[k] for k in TICKET_FIELDS if row[k] is not None}
    if "skills" in fields:
        fields["skills"] = dict(fields["skills"])
    # A ticket or changes without a field are absent.
    if row["event"] == "ticket_created":
        ticket = {**({"id": row["ticket"]} if row["ticket"] is not None else {}), **fields}
        event.pop("ticket", None)
        if ticket:
            event["ticket"] = ticket
    elif row["event"] == "ticket_updated":
        if fields:
            event["changes"] = fields
    else:
        event.update(fields)
    return event


def _present(value):
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value


def rows_of(table):
    """Decision rows as the dicts give them: null fields absent."""
    return [_present(row) for row in table.to_pylist()]


@pytest.fixture
def events(events_text):
    return events_from(events_text)


def test_a_table_gives_the_decisions_of_its_events(global_policy, roster, events, events_text):
    table = table_of(events)
    dicts = tierwise.Engine(global_policy, roster).apply_many(events)
    assert dicts and any(d["decision"] == "offer" for d in dicts)
    assert tierwise.Engine(global_policy, roster).apply_many(table) == dicts
    json_lines = tierwise.Engine(global_policy, roster).apply_many(events_text, output="json")
    assert tierwise.Engine(global_policy, roster).apply_many(table, output="json") == json_lines
    # The same table as a record batch, in chunks, sliced, with categorical
    # and large strings.
    halves = pa.concat_tables([table.slice(0, 4), table.slice(4)])
    assert halves.column("at").num_chunks == 2
    shifted = pa.concat_tables([table.slice(0, 1), table]).slice(1)
    recoded = table.set_column(1, "event", table.column("event").dictionary_encode()).set_column(
        2, "ticket", table.column("ticket").cast(pa.large_string()))
    for form in (table.to_batches()[0], halves, shifted, recoded):
        assert tierwise.Engine(global_policy, roster).apply_many(form) == dicts


def test_a_dataframe_is_read_as_its_arrow_table(global_policy, roster, events):
    # pandas (2.2 on) hands over its Arrow stream; its index is no event field.
    # (pandas cannot hand over a map column it holds as objects: no skills.)
    table = table_of(events).drop_columns(["skills"])
    frame = table.to_pandas().set_index("event", drop=False)
    assert not isinstance(frame, pa.Table) and "event" in frame.index.names
    decided = tierwise.Engine(global_policy, roster).apply_many(table)
    assert any(d["decision"] == "offer" for d in decided)
    assert tierwise.Engine(global_policy, roster).apply_many(frame) == decided


def test_decisions_as_a_table_are_the_dicts(global_policy, roster, events, events_text):
    dicts = tierwise.Engine(global_policy, roster).apply_many(events)
    for given in (events, events_text, table_of(events)):
        table = tierwise.Engine(global_policy, roster).apply_many(given, output="arrow")
        assert isinstance(table, pa.Table)
        assert rows_of(table) == dicts
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("decision").type == pa.dictionary(pa.int8(), pa.string())
    why = table.schema.field("why").type
    assert why.field("strategy").type == pa.list_(pa.string())
    assert why.field("load").type == pa.list_(pa.uint8(), 2)
    offers = table.filter(pa.compute.equal(table.column("decision"), "offer"))
    assert offers.num_rows == sum(d["decision"] == "offer" for d in dicts)
    assert offers.column("why").null_count == 0
    assert table.to_pandas()["decision"].dtype.name == "category"


@pytest.mark.parametrize("policy_file", ["global-desk.toml", "global-desk-skills-first.toml"])
@pytest.mark.parametrize("explain", [False, True])
def test_every_kind_of_decision_is_a_row_like_its_dict(policy_file, explain, roster, events_text):
    from conftest import EXAMPLES

    policy = tierwise.Policy.from_file(EXAMPLES / "policies" / policy_file)
    # The examples, a ticket only relaxation lets anyone take, and one
    # resolved while it is on offer.
    events = events_from(events_text + RELAXED) + [
        {"at": "2026-03-06T08:41:00Z", "event": "ticket_created",
         "ticket": {"id": "INC-10", "created_at": "2026-03-06T08:41:00Z", "channel": "email"}},
        {"at": "2026-03-06T08:41:01Z", "event": "ticket_resolved", "ticket": "INC-10"},
        {"at": "2026-03-06T12:00:00Z", "event": "tick"},
    ]
    dicts = tierwise.Engine(policy, roster, explain=explain).apply_many(events_from(events_text + RELAXED) + [
        {**e, "at": _instant(e["at"])} | ({"ticket": {**e["ticket"], "created_at": _instant(e["ticket"]["created_at"])}}
                                           if isinstance(e.get("ticket"), dict) else {}) for e in events[-3:]])
    kinds = {d["decision"] for d in dicts}
    assert {"offer", "offer_withdrawn", "sla_alert", "wake_at"} <= kinds
    assert ("relaxed" in kinds) == (policy_file == "global-desk-skills-first.toml")
    assert any("passed_over" in d.get("why", {}) for d in dicts) == explain
    table = tierwise.Engine(policy, roster, explain=explain).apply_many(table_of(events), output="arrow")
    assert rows_of(table) == dicts


def test_an_update_takes_its_changes_from_the_ticket_columns(global_policy, roster):
    at = utc(2026, 3, 6, 8)
    events = [
        {"at": at, "event": "agent_logged_in", "agent": "maria"},
        {"at": at, "event": "ticket_created", "ticket": {"id": "T1", "created_at": at, "channel": "email"}},
        {"at": utc(2026, 3, 6, 8, 1), "event": "ticket_updated", "ticket": "T1",
         "changes": {"impact": "high", "urgency": "high", "skills": {"network": 1}}},
        {"at": utc(2026, 3, 6, 8, 2), "event": "tick"},
    ]
    by_table = tierwise.Engine(global_policy, roster)
    by_dicts = tierwise.Engine(global_policy, roster)
    assert by_table.apply_many(table_of(events)) == by_dicts.apply_many(events)
    assert by_table.snapshot() == by_dicts.snapshot()


def _table(**columns):
    return pa.table(columns)


def test_bad_columns_are_event_errors_naming_them(global_policy, roster):
    engine = tierwise.Engine(global_policy, roster)
    at = pa.array([utc(2026, 3, 6, 8)], pa.timestamp("us", "UTC"))
    event = pa.array(["tick"])
    cases = [
        (_table(at=at, event=event, colour=pa.array(["red"])), "events.colour", "unknown_field", "the columns are at,"),
        (_table(at=pa.array(["2026-03-06T08:00:00Z"]), event=event), "events.at", "invalid_value",
         "expected timestamps with a time zone, not strings"),
        (_table(at=at.cast(pa.timestamp("us")), event=event), "events.at", "naive_datetime", "without a time zone"),
        (_table(at=at, event=pa.array([3])), "events.event", "invalid_value", "expected strings, not integers"),
        (_table(at=at, event=event, confidential=pa.array(["yes"])), "events.confidential", "invalid_value",
         "expected booleans"),
        (_table(at=at, event=event, skills=pa.array([{"network": 1}])), "events.skills", "invalid_value",
         "expected a map of strings to integers"),
        (_table(at=at, event=event, skills=pa.array([[(1, 2)]], pa.map_(pa.int64(), pa.int64()))), "events.skills",
         "invalid_value", "not a map of other types"),
        (_table(at=at, event=event, skills=pa.array([[("vpn", 2**63)]], pa.map_(pa.string(), pa.uint64()))),
         "events.skills", "invalid_value", "expected a map of strings to integers, not map<string, uint64>"),
        (pa.Table.from_arrays([at, event, pa.array(["maria"]), pa.array(["joy"])], ["at", "event", "agent", "agent"]),
         "events.agent", "duplicate", "given twice"),
    ]
    for table, path, code, message in cases:
        with pytest.raises(tierwise.EventError) as info:
            engine.apply_many(table)
        assert (info.value.path, info.value.code) == (path, code)
        assert message in str(info.value)
        assert info.value.decisions == []
    assert engine.now is None


def test_bad_cells_are_event_errors_with_the_row_and_field(global_policy, roster):
    at = utc(2026, 3, 6, 8)
    login = {"at": at, "event": "agent_logged_in", "agent": "maria"}
    created = {"at": at, "event": "ticket_created", "ticket": {"id": "T1", "created_at": at, "channel": "chat"}}
    # The codes the dict forms give (the reader's).
    cases = [
        ({**created, "ticket": {**created["ticket"], "channel": "fax"}}, "events[1].ticket.channel", "invalid_value"),
        ({**created, "ticket": {**created["ticket"], "skills": {"vpn": 256}}}, "events[1].ticket.skills.vpn",
         "invalid_value"),
        ({"at": at, "event": "ticket_closed", "ticket": "T1", "changes": {"channel": "chat"}}, "events[1].channel",
         "unknown_field"),
        ({"at": at, "event": "teleported"}, "events[1].event", "invalid_value"),
        ({"at": at, "event": "agent_logged_in", "agent": "nobody"}, "events[1].agent", "unknown_name"),
    ]
    for bad, path, code in cases:
        with pytest.raises(tierwise.EventError) as info:
            tierwise.Engine(global_policy, roster).apply_many([login, bad, created])
        before = info.value.decisions
        for output in ("dicts", "arrow"):
            engine = tierwise.Engine(global_policy, roster)
            with pytest.raises(tierwise.EventError) as info:
                engine.apply_many(table_of([login, bad, created]), output=output)
            assert (info.value.path, info.value.code) == (path, code), bad
            decided = info.value.decisions
            assert (decided if output == "dicts" else rows_of(decided)) == before
            assert engine.now == at
    # A null where a field is required: missing, as in a dict.
    table = table_of([login]).set_column(1, "event", pa.array([None], pa.string()))
    with pytest.raises(tierwise.EventError) as info:
        tierwise.Engine(global_policy, roster).apply_many(table)
    assert (info.value.path, info.value.code) == ("events[0].event", "missing_field")


def test_a_stop_hands_out_the_decisions_so_far_as_a_table(global_policy, roster, events):
    # As for dicts: what the good events and the timers due by the bad
    # event's instant decided comes with the error.
    tick = {"at": utc(2026, 3, 6, 9), "event": "tick"}
    bad = {"at": utc(2026, 3, 6, 9), "event": "agent_logged_in", "agent": "nobody"}
    reference = tierwise.Engine(global_policy, roster).apply_many(events + [tick])
    engine = tierwise.Engine(global_policy, roster)
    with pytest.raises(tierwise.EventError) as info:
        engine.apply_many(table_of(events + [bad]), output="arrow")
    assert info.value.path == f"events[{len(events)}].agent"
    decided = rows_of(info.value.decisions)
    assert decided[-1]["decision"] == "wake_at"
    assert decided[:-1] + engine.apply_many([tick]) == reference


def test_text_that_is_not_utf8_is_an_error_naming_the_cell(global_policy, roster):
    # pyarrow checks offsets when it builds an array from buffers, not UTF-8
    # (the code is the dict forms' for text that is not Unicode).
    at = pa.array([utc(2026, 3, 6, 8)] * 2, pa.timestamp("us", "UTC"))
    offsets = pa.py_buffer(np.array([0, 5, 7], dtype=np.int32).tobytes())
    agent = pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"maria\xff\xfe")])
    engine = tierwise.Engine(global_policy, roster)
    with pytest.raises(tierwise.EventError) as info:
        engine.apply_many(pa.table({"at": at, "event": pa.array(["agent_logged_in"] * 2), "agent": agent}))
    assert info.value.path == "events[1].agent" and "not UTF-8" in str(info.value)
    assert info.value.code == "syntax"
    assert engine.now == utc(2026, 3, 6, 8)


def test_null_or_empty_cells_are_read_as_absent_fields(global_policy, roster):
    at = utc(2026, 3, 6, 8)
    login = {"at": at, "event": "agent_logged_in", "agent": "maria"}
    created = {"at": at, "event": "ticket_created", "ticket": {"id": "T1", "created_at": at, "channel": "chat"}}
    update = {"at": at, "event": "ticket_updated", "ticket": "T1"}
    # (The rows of a table, the events those rows stand for.)
    cases = [
        # An update that changes nothing: no changes, which an update needs.
        (table_of([login, created, update]), [login, created, update]),
        # A creation without its ticket's fields: its id alone, or no ticket.
        (table_of([login, {**created, "ticket": {"id": "T2"}}]), [login, {**created, "ticket": {"id": "T2"}}]),
        (table_of([login, created]).set_column(2, "ticket", pa.array([None, None], pa.string())).drop_columns(
            ["created_at", "channel"]), [login, {"at": at, "event": "ticket_created"}]),
        # A skill given twice keeps its last level, as in a JSON object.
        (table_of([login, created]).set_column(16, "skills", pa.array([None, [("access", 9), ("access", 1)]],
                                                                        SCHEMA.field(16).type)),
         [login, {**created, "ticket": {**created["ticket"], "skills": {"access": 1}}}]),
    ]
    for table, events in cases:
        assert _outcome(tierwise.Engine(global_policy, roster).apply_many, table) == _outcome(
            tierwise.Engine(global_policy, roster).apply_many, events)
    # A dictionary whose names include a null: null cells.
    event = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), pa.array(["tick", None]))
    table = pa.table({"at": pa.array([at, at], pa.timestamp("us", "UTC")), "event": event})
    with pytest.raises(tierwise.EventError) as info:
        tierwise.Engine(global_policy, roster).apply_many(table)
    assert (info.value.path, info.value.code) == ("events[1].event", "missing_field")


def test_columns_left_out_are_null(global_policy, roster):
    at = utc(2026, 3, 6, 8)
    events = [{"at": at, "event": "agent_logged_in", "agent": "maria"}, {"at": at, "event": "tick"},
              {"at": at, "event": "agent_logged_out", "agent": "maria"}]
    table = pa.table({"at": pa.array([at] * 3, pa.timestamp("ms", "UTC")), "event": [e["event"] for e in events],
                      "agent": [e.get("agent") for e in events]})
    assert tierwise.Engine(global_policy, roster).apply_many(table) == tierwise.Engine(
        global_policy, roster).apply_many(events)


def _buffer(draw, size):
    return np.frombuffer(draw(st.binary(max_size=size)), dtype=np.uint8)


@st.composite
def _malformed(draw):
    """Columns described as `tierwise._arrow` describes them, with buffers of
    any bytes: what a broken Arrow producer could hand over."""
    rows = draw(st.integers(0, 4))
    valid = st.one_of(st.none(), st.binary(max_size=2).map(lambda b: np.frombuffer(b, dtype=np.uint8)))
    texts = st.builds(lambda o, d, v: ("texts", o, d, v), st.binary(max_size=24).map(lambda b: np.frombuffer(b, np.uint8)),
                      st.binary(max_size=12).map(lambda b: np.frombuffer(b, np.uint8)), valid)
    columns = {
        "at": ("instants", draw(st.sampled_from(["s", "ms", "us", "ns"])), _buffer(draw, 40), draw(valid)),
        "event": draw(st.one_of(texts, st.builds(lambda c, v: ("categories", c, ["tick", "ticket_created"], v),
                                                 st.binary(max_size=20).map(lambda b: np.frombuffer(b, np.uint8)),
                                                 valid))),
        "ticket": draw(texts),
        "created_at": ("instants", "us", _buffer(draw, 40), draw(valid)),
        "channel": draw(texts),
        "skills": ("levels", _buffer(draw, 24), draw(texts), ("integers", _buffer(draw, 40), draw(valid)),
                   draw(valid)),
        "confidential": ("booleans", _buffer(draw, 1), draw(valid)),
    }
    return [(rows, list(columns.items()))]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_malformed())
def test_malformed_buffers_are_errors_never_panics(global_policy, roster, monkeypatch, described):
    monkeypatch.setattr(tierwise._arrow, "event_batches", lambda table: described)
    for output in ("dicts", "arrow"):
        try:
            tierwise.Engine(global_policy, roster).apply_many(pa.table({}), output=output)
        except tierwise.EventError as e:
            assert e.code != "internal", e


# What a cell may wrongly hold, by column.
_odd_cells = {
    "event": st.sampled_from([None, "teleported", "", "ticket_updated", "ticket_created"]),
    "at": st.sampled_from([None, utc(1969, 12, 31, 23), utc(1900, 1, 1)]),
    "ticket": st.sampled_from([None, "", "T9"]),
    "agent": st.sampled_from([None, "nobody", ""]),
    "state": st.sampled_from(["asleep", None]),
    "created_at": st.sampled_from([None, utc(1965, 1, 1)]),
    "channel": st.sampled_from([None, "fax", "chat"]),
    "impact": st.sampled_from(["huge", "high"]),
    "skills": st.sampled_from([[("vpn", 256)], [("vpn", -1)], [("vpn", None)], [("vpn", 1), ("vpn", 2)], []]),
    "confidential": st.sampled_from([True, None]),
}


@st.composite
def _rows(draw):
    event = draw(_valid_events)
    event["at"] = draw(_at)
    if isinstance(event.get("ticket"), dict):
        event["ticket"]["created_at"] = event["at"]
    row = row_of(event)
    if draw(st.integers(0, 2)) == 0:
        # A created ticket's fields get most of the odd cells: most of them
        # are read there.
        ticket_fields = [c for c in sorted(_odd_cells) if c in TICKET_FIELDS]
        created = row["event"] == "ticket_created" and draw(st.booleans())
        column = draw(st.sampled_from(ticket_fields if created else sorted(_odd_cells)))
        row[column] = draw(_odd_cells[column])
    return row


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_rows(), max_size=10))
def test_table_rows_are_read_as_the_event_dicts_they_stand_for(global_policy, roster, rows):
    # Each row read directly, or the general way, gives what the event dict
    # it stands for gives: the same decisions, or the same error, path and code.
    logins = [row_of({"at": utc(2026, 3, 6, 8), "event": "agent_logged_in", "agent": a}) for a in ("maria", "sofia")]
    rows = logins + sorted(rows, key=lambda r: r["at"] or utc(2026, 3, 6))
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    by_table = tierwise.Engine(global_policy, roster)
    by_dicts = tierwise.Engine(global_policy, roster)
    got = _outcome(by_table.apply_many, table)
    expected = _outcome(by_dicts.apply_many, [event_of(r) for r in rows])
    assert got == expected
    assert by_table.snapshot() == by_dicts.snapshot()
    arrow = _outcome(lambda t: rows_of(tierwise.Engine(global_policy, roster).apply_many(t, output="arrow")), table)
    assert arrow == expected


def test_arrow_output_without_pyarrow_applies_nothing(global_policy, roster, events, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` fails
    engine = tierwise.Engine(global_policy, roster)
    with pytest.raises(ImportError, match="needs pyarrow"):
        engine.apply_many(events, output="arrow")
    assert engine.now is None


def test_apply_many_refuses_an_unknown_output(global_policy, roster):
    with pytest.raises(ValueError, match='"dicts", "json" or "arrow"'):
        tierwise.Engine(global_policy, roster).apply_many([], output="parquet")


def test_an_empty_table_decides_nothing(global_policy, roster):
    empty = SCHEMA.empty_table()
    assert tierwise.Engine(global_policy, roster).apply_many(empty) == []
    decided = tierwise.Engine(global_policy, roster).apply_many(empty, output="arrow")
    assert decided.num_rows == 0 and decided.schema == tierwise.Engine(global_policy, roster).apply_many(
        table_of([{"at": utc(2026, 3, 6, 8), "event": "tick"}]), output="arrow").schema
