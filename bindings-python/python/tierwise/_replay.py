"""Replay of a desk's history under policies: argument conversion and the
report's DataFrames (the core does the replay; this module only converts)."""

from __future__ import annotations

import copy
import json
import math
import os
import re
import sys
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping, Optional, Sequence, Union

from ._tierwise import History, Policy, _replay

_TICKET_COLUMNS = [
    "policy",
    "ticket",
    "channel",
    "priority",
    "created_at",
    "first_assigned_at",
    "wait_s",
    "first_agent",
    "agents",
    "tiers",
    "resolved_at",
    "first_response_met",
    "resolution_met",
]
_KPI_COLUMNS = [
    "policy",
    "priority",
    "tickets",
    "answered",
    "breaches",
    "first_response_attainment",
    "resolution_attainment",
    "wait_mean_s",
    "wait_p50_s",
    "wait_p90_s",
    "wait_p99_s",
]
_AGENT_COLUMNS = ["policy", "agent", "tier", "region", "assignments", "busy_h", "duty_h", "occupancy"]
_DIFF_COLUMNS = [
    "policy",
    "ticket",
    "cause",
    "detail",
    "base_agent",
    "other_agent",
    "base_assigned_at",
    "other_assigned_at",
    "base_tiers",
    "other_tiers",
    "base_priority",
    "other_priority",
]
_FRACTION = re.compile(r"\.(\d+)")


def _instant(text: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 instant of the core as an aware datetime (microseconds)."""
    if text is None:
        return None
    text = text.replace("Z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def _utc_column(values: list[Optional[str]]) -> Any:
    import pandas as pd

    try:
        return pd.to_datetime(values, utc=True, format="ISO8601")
    except (TypeError, ValueError):  # pandas < 2: no "ISO8601"
        return pd.to_datetime(values, utc=True)


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NaT or value is pd.NA)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _jsonl_of_frame(frame: Any) -> str:
    """A DataFrame of history records as JSON lines, row n on line n."""
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, not {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    lines = []
    for row in frame.itertuples(index=False, name=None):
        record = {k: v for k, v in zip(columns, row) if not _is_null(v)}
        lines.append(json.dumps(record, default=_json_default))
    return "\n".join(lines) + "\n" if lines else ""


def _frame_of_jsonl(text: str) -> Any:
    """JSON lines as a DataFrame: ``event``, ``at`` (aware UTC), the rest."""
    import pandas as pd

    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    columns = ["event", "at"]
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    frame = pd.DataFrame(rows, columns=columns)
    frame["at"] = _utc_column([None if _is_null(a) else a for a in frame["at"]])
    return frame


def history_of(history: Any) -> History:
    """A :class:`History` from any accepted input of :func:`replay`."""
    if isinstance(history, History):
        return history
    if isinstance(history, os.PathLike):
        return History.from_file(history)
    if isinstance(history, str):
        stripped = history.lstrip()
        if not stripped or stripped.startswith("{"):
            return History.from_jsonl(history)
        return History.from_file(history)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(history, pd.DataFrame):
        return History.from_records(history)
    raise TypeError(
        "history: expected a tierwise.History, a path, JSON-lines text or a pandas DataFrame, "
        f"not {type(history).__name__}"
    )


def named_policies(policies: Any) -> list[tuple[str, Policy]]:
    """(name, policy) pairs from a list of policies or a dict name -> policy."""
    if isinstance(policies, Mapping):
        pairs = []
        for name, policy in policies.items():
            if not isinstance(name, str):
                raise TypeError(f"policies: names must be str, not {type(name).__name__}")
            if not isinstance(policy, Policy):
                raise TypeError(f"policies[{name!r}]: expected a tierwise.Policy, not {type(policy).__name__}")
            pairs.append((name, policy))
        return pairs
    if isinstance(policies, (str, bytes, Policy)) or not isinstance(policies, Sequence):
        raise TypeError(
            f"policies: expected a list of tierwise.Policy or a dict name -> Policy, not {type(policies).__name__}"
        )
    pairs = []
    for i, policy in enumerate(policies):
        if not isinstance(policy, Policy):
            raise TypeError(f"policies[{i}]: expected a tierwise.Policy, not {type(policy).__name__}")
        pairs.append((policy.file if policy.file is not None else f"policy {i + 1}", policy))
    return pairs


class ReplayReport:
    """What a replay found: the core's report (``to_json()``, identical to
    ``tierwise replay --json``), with a summary and DataFrames."""

    def __init__(self, text: str, summary: str) -> None:
        self._text = text
        self._summary: dict[str, Any] = json.loads(summary)
        self._doc: Optional[dict[str, Any]] = None

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (ReplayReport, (self._text, json.dumps(self._summary)))

    def __repr__(self) -> str:
        return f"ReplayReport(policies={self.policies!r}, matches_history={self.matches_history!r})"

    def _report(self) -> dict[str, Any]:
        if self._doc is None:
            self._doc = json.loads(self._text)
        return self._doc

    @property
    def policies(self) -> list[str]:
        """The policies' names, in the order given."""
        return [run["policy"] for run in self._summary["runs"]]

    @property
    def matches_history(self) -> list[float]:
        """Per policy: the share of tickets first assigned to the recorded
        agent at the recorded instant (1.0: history reproduced exactly)."""
        return list(self._summary["matches_history"])

    def to_json(self) -> str:
        """The whole report as the core's JSON (every ticket, every diff entry)."""
        return self._text

    def summary(self) -> dict[str, Any]:
        """The report without per-ticket lists and diff entries: ``start`` and
        ``end`` (aware datetimes), ``tickets``, ``agents``, ``handling``,
        ``matches_history``, ``runs`` (``policy``, ``engine_events``,
        ``kpis``) and ``diffs`` (``base``, ``other``, ``tickets``,
        ``by_cause``)."""
        doc = copy.deepcopy(self._summary)
        doc["start"] = _instant(doc.get("start"))
        doc["end"] = _instant(doc.get("end"))
        return doc

    def tickets(self) -> Any:
        """One row per ticket per policy (in order of arrival): ``policy``,
        ``ticket``, ``channel``, ``priority``, ``created_at``,
        ``first_assigned_at``, ``wait_s``, ``first_agent``, ``agents``,
        ``tiers``, ``resolved_at`` (aware UTC; NaT when it did not happen),
        ``first_response_met``, ``resolution_met`` (nullable booleans: <NA>
        when no such SLA clock)."""
        import pandas as pd

        rows = []
        for run in self._report()["runs"]:
            for t in run["tickets"]:
                rows.append(
                    (
                        run["policy"],
                        t["ticket"],
                        t["channel"],
                        t["priority"],
                        t["created_at"],
                        t["first_assigned_at"],
                        t["wait_s"],
                        t["agents"][0] if t["agents"] else None,
                        t["agents"],
                        t["tiers"],
                        t["resolved_at"],
                        t["first_response_met"],
                        t["resolution_met"],
                    )
                )
        frame = pd.DataFrame(rows, columns=_TICKET_COLUMNS)
        for column in ("created_at", "first_assigned_at", "resolved_at"):
            frame[column] = _utc_column(list(frame[column]))
        frame["wait_s"] = frame["wait_s"].astype("float64")
        for column in ("first_response_met", "resolution_met"):
            frame[column] = frame[column].astype("boolean")
        return frame

    def kpis(self) -> Any:
        """One row per policy and priority class (most critical first):
        ``tickets``, ``answered``, ``breaches``, attainments (share of
        tickets with that SLA clock that met it; NaN without one) and wait
        percentiles in seconds over answered tickets."""
        import pandas as pd

        rows = []
        for run in self._summary["runs"]:
            for p in run["kpis"]["by_priority"]:
                w = p["wait_s"]
                rows.append(
                    (
                        run["policy"],
                        p["priority"],
                        p["tickets"],
                        p["answered"],
                        p["breaches"],
                        p["first_response_attainment"],
                        p["resolution_attainment"],
                        w["mean"],
                        w["p50"],
                        w["p90"],
                        w["p99"],
                    )
                )
        frame = pd.DataFrame(rows, columns=_KPI_COLUMNS)
        for column in ("first_response_attainment", "resolution_attainment"):
            frame[column] = frame[column].astype("float64")
        return frame

    def agents(self) -> Any:
        """One row per policy and agent (roster order): ``tier``, ``region``,
        ``assignments``, ``busy_h``, ``duty_h``, ``occupancy``."""
        import pandas as pd

        rows = []
        for run in self._summary["runs"]:
            for a in run["kpis"]["agents"]:
                rows.append((run["policy"], *(a[c] for c in _AGENT_COLUMNS[1:])))
        return pd.DataFrame(rows, columns=_AGENT_COLUMNS)

    def diff(self) -> Any:
        """Every ticket a later policy decided differently from the first:
        ``policy`` (the later one), ``ticket``, ``cause``, ``detail``, then
        both sides' first agent, first assignment (aware UTC), tiers and
        priority class."""
        import pandas as pd

        rows = []
        for d in self._report()["diffs"]:
            for e in d["entries"]:
                b, o = e["base"], e["other"]
                rows.append(
                    (
                        d["other"],
                        e["ticket"],
                        e["cause"],
                        e["detail"],
                        b["agent"],
                        o["agent"],
                        b["assigned_at"],
                        o["assigned_at"],
                        b["tiers"],
                        o["tiers"],
                        b["priority"],
                        o["priority"],
                    )
                )
        frame = pd.DataFrame(rows, columns=_DIFF_COLUMNS)
        for column in ("base_assigned_at", "other_assigned_at"):
            frame[column] = _utc_column(list(frame[column]))
        return frame


def replay(
    history: Union[History, str, "os.PathLike[str]", Any],
    policies: Union[Sequence[Policy], Mapping[str, Policy]],
    *,
    handling: str = "recorded",
    seed: int = 1,
) -> ReplayReport:
    """Replay a desk's history under each of ``policies`` (in parallel in
    Rust, the GIL released) and compare every later policy with the first;
    the same report as ``tierwise replay --json`` (docs/history.md).

    ``history``: a :class:`History`, a path (str or PathLike) to a JSON-lines
    file, the JSON-lines text itself (a str starting with ``{``), or a pandas
    DataFrame of records, one row per line: columns ``event``, ``at`` (aware
    datetimes or RFC 3339 text; null on ``roster_agent`` rows) and the line's
    other fields (``ticket``: a dict on ``ticket_created`` rows, an id on
    ``assigned``/``handled`` rows; ``agent``: a dict on ``roster_agent``
    rows, an id elsewhere; ``state``, ``outcome``, ``tier``,
    ``preferred_agent``); nulls are left out, so :meth:`History.records`
    round-trips.

    ``policies``: a list of :class:`Policy` (named by the file they were read
    from, else ``"policy 1"``, ``"policy 2"``, ...) or a dict name -> Policy.
    ``handling``: ``"recorded"`` (each piece of work as long as history's)
    or ``"resampled"`` (drawn from the history's own, with ``seed``).

    Raises :class:`HistoryError` for a history that does not read (every bad
    line as ``lines[n].field``, n counting from 1, rows for a DataFrame), no
    policies, a bad ``handling`` or ``seed``, or a roster the engine refuses;
    ``TypeError`` for arguments of the wrong type.
    """
    if not isinstance(handling, str):
        raise TypeError(f"handling: expected \"recorded\" or \"resampled\", not {type(handling).__name__}")
    h = history_of(history)
    pairs = named_policies(policies)
    text, summary = _replay(h, pairs, handling, seed)
    return ReplayReport(text, summary)
