"""The result of a simulation, with pandas, pyarrow and matplotlib glue."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from ._tierwise import Policy, Scenario

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_GROUPS = ("by_priority", "by_stream", "by_tier", "by_team")
_TOP = ("replications", "agents", "engine_events", "peak_waiting")


def flatten_summary(text: str) -> dict[str, Any]:
    """One flat row of a simulation's JSON: the top figures, the overall
    figures, then ``"<group>.<name>.<figure>"`` for every group."""
    s = json.loads(text)
    row: dict[str, Any] = {k: s[k] for k in _TOP}
    for k, v in s["overall"].items():
        if k != "ci95":
            row[k] = v
    for group in _GROUPS:
        for name, figures in s[group].items():
            for k, v in figures.items():
                if k != "ci95":
                    row[f"{group}.{name}.{k}"] = v
    return row


class SimulationResult:
    """What :func:`tierwise.simulate` found.

    Pickles as plain data. :meth:`summary` has the same keys as
    ``tierwise simulate --json``.
    """

    def __init__(
        self,
        text: str,
        columns: Optional[dict[str, list[Any]]],
        scenario: Scenario,
        seed: Optional[int],
        replications: int,
        policy: Optional[Policy],
    ) -> None:
        self._text = text
        self._columns = columns
        self._scenario = scenario
        self._seed = seed
        self._replications = replications
        self._policy = policy

    def __repr__(self) -> str:
        o = self.summary()["overall"]
        return (
            f"SimulationResult(arrived={o['arrived']:.0f}, service_level={o['service_level']:.3f}, "
            f"asa_s={o['asa_s']:.1f}, replications={self._replications})"
        )

    def summary(self) -> dict[str, Any]:
        """Every figure as a dict: the same keys and values as
        ``tierwise simulate --json`` (instants as RFC 3339 text)."""
        result: dict[str, Any] = json.loads(self._text)
        return result

    def to_json(self) -> str:
        """The summary as the core's JSON text."""
        return self._text

    @property
    def start(self) -> datetime:
        """When the run started (aware, UTC)."""
        return _parse_instant(self.summary()["start"])

    def _ticket_columns(self) -> dict[str, list[Any]]:
        if self._columns is None:
            from ._tierwise import _simulate

            _, columns = _simulate(self._scenario, self._seed, self._replications, self._policy, True)
            self._columns = columns
        assert self._columns is not None
        return self._columns

    def _interval_columns(self) -> dict[str, list[Any]]:
        s = self.summary()
        series = s["series"]
        start = _parse_instant(s["start"])
        step = timedelta(seconds=series["interval_s"])
        n = len(series["arrivals"])
        return {
            "start": [start + i * step for i in range(n)],
            "arrivals": series["arrivals"],
            "waiting": series["waiting"],
            "on_duty": series["on_duty"],
            "service_level": [float("nan") if x is None else x for x in series["service_level"]],
        }

    def tickets(self) -> Any:
        """One row per ticket (pandas DataFrame): replication, ticket number,
        stream, channel, priority, arrived_at / answered_at / ended_at (aware
        UTC timestamps, NaT when absent), wait_s, within_target, outcome
        (resolved, abandoned, open), tiers (the tiers it passed through, a
        list), agents, teams, agent_tiers and agent_waits_s (aligned lists: who
        took it, in order, from which team, in which tier, after how many
        seconds of waiting in that tier), sla_breached."""
        import pandas as pd

        cols = self._ticket_columns()
        frame: dict[str, Any] = {}
        for name, values in cols.items():
            if name.endswith("_at_us"):
                frame[name[:-3]] = pd.to_datetime(
                    pd.array(values, dtype="Int64"), unit="us", utc=True
                )
            elif name == "wait_s":
                frame[name] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
            else:
                frame[name] = values
        return pd.DataFrame(frame)

    def intervals(self) -> Any:
        """One row per 15-minute interval (pandas DataFrame): start (aware
        UTC), arrivals, waiting (at the interval's start), on_duty,
        service_level (NaN without arrivals); means over replications."""
        import pandas as pd

        cols = self._interval_columns()
        frame = pd.DataFrame(cols)
        frame["start"] = pd.to_datetime(frame["start"], utc=True)
        return frame

    def to_arrow(self, what: str = "tickets") -> Any:
        """The tickets (or, with ``what="intervals"``, the intervals) as a
        ``pyarrow.Table``; needs pyarrow, not pandas."""
        import pyarrow as pa

        if what == "tickets":
            cols = self._ticket_columns()
            types = {
                "replication": pa.uint32(),
                "ticket": pa.uint64(),
                "wait_s": pa.float64(),
                "tiers": pa.list_(pa.string()),
                "agents": pa.list_(pa.string()),
                "teams": pa.list_(pa.string()),
                "agent_tiers": pa.list_(pa.string()),
                "agent_waits_s": pa.list_(pa.float64()),
            }
            arrays = {}
            for name, values in cols.items():
                if name.endswith("_at_us"):
                    arrays[name[:-3]] = pa.array(values, type=pa.timestamp("us", tz="UTC"))
                else:
                    arrays[name] = pa.array(values, type=types.get(name))
            return pa.table(arrays)
        if what == "intervals":
            icols = self._interval_columns()
            return pa.table(
                {
                    "start": pa.array(icols["start"], type=pa.timestamp("us", tz="UTC")),
                    "arrivals": pa.array(icols["arrivals"], type=pa.float64()),
                    "waiting": pa.array(icols["waiting"], type=pa.float64()),
                    "on_duty": pa.array(icols["on_duty"], type=pa.int64()),
                    "service_level": pa.array(icols["service_level"], type=pa.float64(), from_pandas=True),
                }
            )
        raise ValueError(f"what: expected 'tickets' or 'intervals', not {what!r}")

    def plot(self, figsize: tuple[float, float] = (10.0, 6.0)) -> Any:
        """A matplotlib ``Figure``: service level per interval (with the
        overall figure), and tickets waiting with agents on duty, over the
        run. Needs matplotlib; uses no GUI backend (save it with
        ``fig.savefig(path)``)."""
        from matplotlib.figure import Figure

        s = self.summary()
        cols = self._interval_columns()
        fig = Figure(figsize=figsize)
        ax1, ax2 = fig.subplots(2, 1, sharex=True)
        ax1.plot(cols["start"], cols["service_level"], lw=1, label="per 15 minutes")
        ax1.axhline(s["overall"]["service_level"], color="k", ls="--", lw=1, label="overall")
        ax1.set_ylabel(f"answered within {s['answer_within_s']:.0f}s")
        ax1.set_ylim(0, 1.05)
        ax1.legend(loc="lower right")
        ax2.plot(cols["start"], cols["waiting"], lw=1, label="tickets waiting")
        ax2.plot(cols["start"], cols["on_duty"], lw=1, label="agents on duty")
        ax2.set_ylabel("count")
        ax2.legend(loc="upper right")
        fig.suptitle("Service level and queue over the run")
        fig.autofmt_xdate()
        return fig


def _parse_instant(text: str) -> datetime:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # fromisoformat (3.9/3.10) needs 0, 3 or 6 fraction digits.
    if "." in text:
        head, rest = text.split(".", 1)
        frac, tz = rest[:-6], rest[-6:]
        text = f"{head}.{(frac + '000000')[:6]}{tz}"
    return datetime.fromisoformat(text).astimezone(timezone.utc)
