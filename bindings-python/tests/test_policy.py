import math

import pytest
from hypothesis import HealthCheck, given, settings

import tierwise
from conftest import EXAMPLES, utc
from test_engine import _events, _general, _outcome


def test_constructors_agree(global_policy):
    text = (EXAMPLES / "policies" / "global-desk.toml").read_text()
    from_toml = tierwise.Policy.from_toml(text)
    from_json = tierwise.Policy.from_json(global_policy.to_json())
    from_dict = tierwise.Policy.from_dict(global_policy.to_dict())
    via_new = tierwise.Policy(global_policy.to_dict())
    for p in (from_toml, from_json, from_dict, via_new):
        assert p.to_dict() == global_policy.to_dict()
    assert global_policy.priority_classes == ["P1", "P2", "P3", "P4", "P5"]
    assert "L1" in global_policy.tiers
    assert isinstance(global_policy.warnings, list)


def test_yaml_and_default():
    p = tierwise.Policy.from_yaml("version: 1\n")
    assert p.priority_classes == tierwise.Policy.default().priority_classes


def test_policy_error_lists_every_problem_with_paths():
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.from_dict(
            {
                "version": 1,
                "bogus": 3,
                "sla": {"policies": [{"when": {"priority": "P9"}, "calendar": "nowhere", "first_response": "1h"}]},
            }
        )
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, tierwise.TierwiseError)
    paths = [p for p, _ in err.problems]
    assert "bogus" in paths
    assert err.codes[paths.index("bogus")] == "unknown_field"
    assert err.path == err.problems[0][0] and err.code == err.codes[0]
    assert "bogus" in str(err)


def test_semantic_errors_have_paths():
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.from_dict(
            {"version": 1, "sla": {"policies": [{"calendar": "nowhere", "first_response": "1h"}]}}
        )
    assert info.value.path == "sla.policies[0].calendar"
    assert info.value.code == "unknown_name"


def test_nan_and_wrong_types():
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.from_dict({"version": 1, "scoring": {"per_hour_waiting": math.nan}})
    assert info.value.path == "scoring.per_hour_waiting"
    with pytest.raises(TypeError):
        tierwise.Policy.from_dict({"version": 1, "calendars": {1: {}}})
    with pytest.raises(TypeError):
        tierwise.Policy.from_dict("version = 1")
    with pytest.raises(TypeError):
        tierwise.Policy.from_dict({"version": object()})
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.from_json("{not json")
    assert info.value.code == "syntax"


def test_from_file_missing_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        tierwise.Policy.from_file(tmp_path / "nope.toml")


def test_triage_explains_and_returns_aware_datetimes(global_policy):
    ticket = {
        "id": "INC-1",
        "created_at": utc(2026, 3, 2, 9, 0),
        "channel": "phone",
        "impact": "high",
        "urgency": "high",
    }
    t = tierwise.triage(global_policy, ticket, utc(2026, 3, 2, 9, 5))
    assert t == global_policy.triage(ticket, utc(2026, 3, 2, 9, 5))
    assert t["ticket"] == "INC-1"
    assert t["priority"] == "P1"
    assert t["priority_steps"] and t["explanation"]
    assert isinstance(t["score"], float)
    assert t["now"] == utc(2026, 3, 2, 9, 5)
    due = [d["due"] for d in t["deadlines"] if "due" in d]
    assert due and all(d.tzinfo is not None for d in due)


def test_triage_rejects_naive_and_unknown_names(global_policy):
    from datetime import datetime

    ticket = {"id": "X", "created_at": utc(2026, 3, 2, 9, 0), "channel": "phone"}
    with pytest.raises(tierwise.TicketError) as info:
        tierwise.triage(global_policy, ticket, datetime(2026, 3, 2, 9, 5))
    assert info.value.path == "now" and info.value.code == "naive_datetime"
    naive = dict(ticket, created_at=datetime(2026, 3, 2, 9, 0))
    with pytest.raises(tierwise.TicketError) as info:
        tierwise.triage(global_policy, naive, utc(2026, 3, 2, 9, 5))
    assert info.value.path == "created_at"
    with pytest.raises(tierwise.TicketError) as info:
        tierwise.triage(global_policy, dict(ticket, impact="gigantic"), utc(2026, 3, 2, 9, 5))
    assert info.value.path == "impact"
    with pytest.raises(tierwise.TicketError) as info:
        tierwise.triage(global_policy, dict(ticket, colour="red"), utc(2026, 3, 2, 9, 5))
    assert info.value.code == "unknown_field"
    with pytest.raises(TypeError):
        tierwise.triage(global_policy, ticket, "2026-03-02T09:05:00Z")
    with pytest.raises(TypeError):
        tierwise.triage(global_policy, ["not", "a", "dict"], utc(2026, 3, 2, 9, 5))


def test_validate(global_policy):
    text = (EXAMPLES / "policies" / "global-desk.toml").read_text()
    assert tierwise.Policy.validate(text) == global_policy.warnings
    assert tierwise.Policy.validate(global_policy.to_dict()) == global_policy.warnings
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.validate({"version": 1, "sla": {"policies": [{"calendar": "x", "first_response": "1h"}]}})
    assert info.value.problems[0][0] == "sla.policies[0].calendar"
    with pytest.raises(tierwise.PolicyError):
        tierwise.Policy.validate("version = 1\nbogus = 2")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_events())
def test_ticket_dicts_are_triaged_as_the_general_way_reads_them(global_policy, event):
    # Ticket dicts of the usual shape are read field by field; a dict subclass
    # the general way. Both give the same triage, or the same error.
    ticket = event.get("ticket")
    if not isinstance(ticket, dict):
        ticket = {"id": "T1", "created_at": event.get("at"), "channel": "chat"}
    now = utc(2026, 3, 6, 12)
    assert _outcome(lambda t: tierwise.triage(global_policy, t, now), ticket) == \
        _outcome(lambda t: tierwise.triage(global_policy, t, now), _general(ticket))


def test_files_too_large_or_not_text_raise_policy_errors(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text("version = 1\n" + "# padding\n" * 1_000_000)
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.from_file(big)
    assert info.value.code == "too_large"
    latin = tmp_path / "latin.toml"
    latin.write_bytes("version = 1\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(tierwise.PolicyError) as info:
        tierwise.Policy.from_file(latin)
    assert info.value.code == "syntax"
    with pytest.raises(OSError):
        tierwise.Policy.from_file(tmp_path / "missing.toml")


def test_a_byte_order_mark_is_not_part_of_the_document(tmp_path):
    # As some Windows editors write files: the same policy with and without one.
    text = (EXAMPLES / "policies" / "global-desk.toml").read_text()
    for suffix, body in [(".toml", text), (".json", tierwise.Policy.from_toml(text).to_json())]:
        marked = tmp_path / ("marked" + suffix)
        marked.write_bytes(b"\xef\xbb\xbf" + body.encode())
        assert tierwise.Policy.from_file(marked).to_dict() == tierwise.Policy.from_toml(text).to_dict()
