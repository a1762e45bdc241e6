//! Editing a scenario by field path (`teams.desk.agents`), and sweeping a
//! grid of such edits, each point simulated, in parallel and cancellable.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde_json::Value;

use super::{SimulationResult, simulate_cancellable};
use crate::CompiledPolicy;
use crate::error::{Error, ErrorKind};
use crate::sim::Scenario;

/// Most points in one sweep grid.
pub const MAX_SWEEP_POINTS: usize = 100_000;

/// Lists whose items are addressed by `name` in a path.
const NAMED_LISTS: [&str; 3] = ["streams", "teams", "tiers"];

/// Splits a path like `teams.desk.agents` or `streams[0].per_hour` into
/// segments (`[0]` becomes its own segment `0`).
fn segments(path: &str) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (head, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !head.is_empty() {
            out.push(head.to_owned());
        } else if rest.is_empty() {
            return Err(Error::new(ErrorKind::InvalidValue, path, "a path has no empty segments"));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Err(Error::new(ErrorKind::InvalidValue, path, "unclosed `[` in the path"));
            };
            out.push(r[..end].to_owned());
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return Err(Error::new(ErrorKind::InvalidValue, path, "text after `]` in the path"));
        }
    }
    if out.is_empty() {
        return Err(Error::new(ErrorKind::InvalidValue, path, "the path is empty"));
    }
    Ok(out)
}

/// The element of `value` that `seg` names, for reading (`create` false) or
/// writing (`create` true: a missing object key is added as null).
fn step<'a>(value: &'a mut Value, seg: &str, parent: &str, path: &str, create: bool) -> Result<&'a mut Value, Error> {
    match value {
        Value::Array(items) => {
            let index = match seg.parse::<usize>() {
                Ok(i) => Some(i),
                Err(_) if NAMED_LISTS.contains(&parent) => {
                    items.iter().position(|v| v.get("name").and_then(Value::as_str) == Some(seg))
                }
                Err(_) => None,
            };
            let names: Vec<String> =
                items.iter().filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_owned)).collect();
            let len = items.len();
            match index.and_then(|i| items.get_mut(i)) {
                Some(v) => Ok(v),
                None if NAMED_LISTS.contains(&parent) => Err(Error::from_problem(crate::error::unknown_name(
                    path,
                    &parent[..parent.len() - 1],
                    seg,
                    names.iter().map(String::as_str),
                ))),
                None => Err(Error::new(ErrorKind::OutOfRange, path, format!("no item {seg} in a list of {len}"))),
            }
        }
        Value::Object(map) => {
            if create {
                Ok(map.entry(seg.to_owned()).or_insert(Value::Null))
            } else {
                map.get_mut(seg).ok_or_else(|| Error::new(ErrorKind::UnknownField, path, "no such field"))
            }
        }
        _ => Err(Error::new(ErrorKind::InvalidValue, path, format!("`{parent}` is a value, not a table or list"))),
    }
}

impl Scenario {
    /// The value at a field path, as JSON: `run.seed`, `teams.desk.agents`
    /// (items of `streams`, `teams` and `tiers` by name or `[index]`),
    /// `streams[0].handle.mean`.
    ///
    /// # Errors
    /// A malformed path, or one naming nothing (with the closest name).
    pub fn get(&self, path: &str) -> Result<Value, Error> {
        let mut doc = serde_json::to_value(self).map_err(|e| Error::new(ErrorKind::InvalidValue, "", e.to_string()))?;
        let mut at = &mut doc;
        let mut parent = String::new();
        for seg in segments(path)? {
            at = step(at, &seg, &parent, path, false)?;
            parent = seg;
        }
        Ok(at.clone())
    }

    /// Sets the value at a field path (see [`Scenario::get`]) and checks the
    /// whole scenario again; on error the scenario is unchanged. A stream
    /// given another arrivals file loses its recorded rows until
    /// [`Scenario::load_arrivals`] reads them.
    ///
    /// ```
    /// let mut s = tierwise::sim::Scenario::from_toml_str(r#"
    ///     run = { start = "2026-03-02T00:00:00Z", arrivals = 100 }
    ///     [[streams]]
    ///     name = "calls"
    ///     channel = "phone"
    ///     per_hour = 60
    ///     handle = { dist = "exponential", mean = "5m" }
    ///     [[teams]]
    ///     name = "desk"
    ///     agents = 7
    ///     tier = "L1"
    /// "#)?;
    /// s.set("teams.desk.agents", 9.into())?;
    /// assert_eq!(s.teams[0].agents, 9);
    /// assert_eq!(s.set("teams.dsk.agents", 9.into()).unwrap_err().path(), "teams.dsk.agents");
    /// # Ok::<(), tierwise::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Scenario::get`], and every problem of the edited scenario, each
    /// with its field path.
    pub fn set(&mut self, path: &str, value: Value) -> Result<(), Error> {
        let mut doc =
            serde_json::to_value(&*self).map_err(|e| Error::new(ErrorKind::InvalidValue, "", e.to_string()))?;
        let segs = segments(path)?;
        let mut at = &mut doc;
        let mut parent = String::new();
        for seg in &segs {
            at = step(at, seg, &parent, path, true)?;
            parent.clone_from(seg);
        }
        *at = value;
        let mut edited = Scenario::from_value(doc)?;
        // A stream that now names another arrivals file drops the rows read
        // from the old one, for the host to read the new one
        // ([`Scenario::load_arrivals`]).
        for (i, stream) in edited.streams.iter_mut().enumerate() {
            if self.streams.get(i).map(|s| &s.arrivals) != Some(&stream.arrivals) {
                stream.recorded.clear();
            }
        }
        *self = edited;
        Ok(())
    }
}

/// One point of a sweep: the values set, in the order of the grid's
/// parameters, and what the simulation found.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// The value of each parameter at this point.
    pub values: Vec<Value>,
    /// The simulation of the edited scenario.
    pub result: SimulationResult,
}

/// Simulates every point of a grid of scenario edits: the cartesian product
/// of `grid`'s `(path, values)` pairs, the last parameter varying fastest,
/// each edit applied with [`Scenario::set`].
///
/// Points run in parallel on rayon (and each point's replications too) and
/// come back in grid order, so results never depend on the thread count.
/// `cancel` is checked before each point starts and inside running points
/// (see [`super::simulate_cancellable`]): once it is set, the sweep stops
/// soon and returns `Ok(None)`.
///
/// ```
/// use std::sync::atomic::AtomicBool;
/// let scenario = tierwise::sim::Scenario::from_toml_str(r#"
///     run = { start = "2026-03-02T00:00:00Z", arrivals = 300 }
///     [[streams]]
///     name = "calls"
///     channel = "phone"
///     per_hour = 120
///     handle = { dist = "exponential", mean = "5m" }
///     [[teams]]
///     name = "desk"
///     agents = 12
///     tier = "L1"
/// "#)?;
/// let policy = tierwise::Policy::default().compile()?;
/// let grid = vec![("teams.desk.agents".to_owned(), vec![11.into(), 14.into()])];
/// let points = tierwise::sim::sweep(&scenario, &policy, &grid, 1, &AtomicBool::new(false))?.unwrap();
/// assert!(points[1].result.overall.service_level >= points[0].result.overall.service_level);
/// # Ok::<(), tierwise::Error>(())
/// ```
///
/// # Errors
/// A bad path or value (at the parameter's path), more than
/// [`MAX_SWEEP_POINTS`] points, and the first failing point's simulation
/// error.
pub fn sweep(
    scenario: &Scenario,
    policy: &CompiledPolicy,
    grid: &[(String, Vec<Value>)],
    replications: u32,
    cancel: &AtomicBool,
) -> Result<Option<Vec<SweepPoint>>, Error> {
    let mut total: usize = 1;
    for (path, values) in grid {
        total = total.saturating_mul(values.len());
        let segs = segments(path)?;
        // Files and the policy are the host's to read and compile, once: a
        // grid over them would simulate every point under the same ones.
        let fixed = match segs.first().map(String::as_str) {
            Some("policy") => Some("the policy is compiled once for the whole sweep; sweep each policy separately"),
            Some("streams") if segs.iter().skip(2).any(|s| s == "arrivals") => Some(
                "an arrivals file is read once for the whole sweep; sweep each file separately, or `recorded` rows",
            ),
            _ => None,
        };
        if let Some(why) = fixed {
            return Err(Error::new(ErrorKind::InvalidValue, path.as_str(), why));
        }
    }
    if total > MAX_SWEEP_POINTS {
        return Err(Error::new(
            ErrorKind::TooLarge,
            "grid",
            format!("{total} points; the limit is {MAX_SWEEP_POINTS}"),
        ));
    }
    let mut points = Vec::with_capacity(total);
    for n in 0..total {
        let mut rest = n;
        let mut values = vec![Value::Null; grid.len()];
        for (k, (_, vs)) in grid.iter().enumerate().rev() {
            values[k] = vs[rest % vs.len()].clone();
            rest /= vs.len();
        }
        let mut s = scenario.clone();
        for ((path, _), v) in grid.iter().zip(&values) {
            s.set(path, v.clone())?;
        }
        points.push((values, s));
    }
    let done: Vec<Option<Result<SweepPoint, Error>>> = points
        .into_par_iter()
        .map(|(values, s)| {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            match simulate_cancellable(&s, policy, replications, false, cancel) {
                Ok(Some((result, _))) => Some(Ok(SweepPoint { values, result })),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            }
        })
        .collect();
    if cancel.load(Ordering::Relaxed) || done.iter().any(Option::is_none) {
        return Ok(None);
    }
    done.into_iter().flatten().collect::<Result<Vec<_>, _>>().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk() -> Scenario {
        Scenario::from_toml_str(
            r#"
            run = { start = "2026-03-02T00:00:00Z", arrivals = 400, seed = 3 }
            [[streams]]
            name = "calls"
            channel = "phone"
            per_hour = 120
            handle = { dist = "exponential", mean = "5m" }
            [[teams]]
            name = "desk"
            agents = 12
            tier = "L1"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn get_and_set_by_name_and_index() {
        let mut s = desk();
        assert_eq!(s.get("teams.desk.agents").unwrap(), Value::from(12));
        assert_eq!(s.get("teams[0].agents").unwrap(), Value::from(12));
        assert_eq!(s.get("run.seed").unwrap(), Value::from(3));
        s.set("streams.calls.per_hour", Value::from(90.5)).unwrap();
        assert_eq!(s.streams[0].per_hour, Some(90.5));
        s.set("streams.calls.handle.mean", Value::from("4m")).unwrap();
        assert_eq!(s.get("streams.calls.handle.mean").unwrap(), Value::from("4m"));
    }

    #[test]
    fn bad_edits_name_the_path_and_leave_the_scenario() {
        let mut s = desk();
        let before = s.clone();
        let e = s.set("teams.dsk.agents", Value::from(3)).unwrap_err();
        assert_eq!((e.path(), e.code()), ("teams.dsk.agents", "unknown_name"));
        assert_eq!(e.problems()[0].hint(), Some("did you mean \"desk\"?"));
        let e = s.set("teams.desk.agents", Value::from(-3)).unwrap_err();
        assert_eq!(e.path(), "teams[0].agents");
        let e = s.set("teams.desk.agnets", Value::from(3)).unwrap_err();
        assert_eq!((e.path(), e.code()), ("teams[0].agnets", "unknown_field"));
        let e = s.get("run.nope").unwrap_err();
        assert_eq!(e.code(), "unknown_field");
        assert!(s.set("teams[", Value::from(1)).is_err());
        assert!(s.set("", Value::from(1)).is_err());
        assert!(s.set("teams[7].agents", Value::from(1)).is_err());
        assert!(s.set("run.seed.x", Value::from(1)).is_err());
        assert_eq!(s, before);
    }

    #[test]
    fn sweep_is_grid_ordered_and_matches_single_runs() {
        let s = desk();
        let policy = crate::Policy::default().compile().unwrap();
        let grid = vec![
            ("teams.desk.agents".to_owned(), vec![Value::from(11), Value::from(13)]),
            ("run.seed".to_owned(), vec![Value::from(1), Value::from(2)]),
        ];
        let points = sweep(&s, &policy, &grid, 2, &AtomicBool::new(false)).unwrap().unwrap();
        assert_eq!(points.len(), 4);
        let vals: Vec<(i64, i64)> =
            points.iter().map(|p| (p.values[0].as_i64().unwrap(), p.values[1].as_i64().unwrap())).collect();
        assert_eq!(vals, [(11, 1), (11, 2), (13, 1), (13, 2)]);
        let mut alone = s.clone();
        alone.teams[0].agents = 13;
        alone.run.seed = 2;
        assert_eq!(points[3].result, crate::sim::simulate(&alone, &policy, 2).unwrap());
    }

    #[test]
    fn a_cancelled_sweep_returns_none() {
        let s = desk();
        let policy = crate::Policy::default().compile().unwrap();
        let grid = vec![("teams.desk.agents".to_owned(), vec![Value::from(11), Value::from(13)])];
        assert!(sweep(&s, &policy, &grid, 1, &AtomicBool::new(true)).unwrap().is_none());
    }

    #[test]
    fn sweep_errors_have_paths() {
        let s = desk();
        let policy = crate::Policy::default().compile().unwrap();
        let grid = vec![("teams.desk.agents".to_owned(), vec![Value::from("many")])];
        let e = sweep(&s, &policy, &grid, 1, &AtomicBool::new(false)).unwrap_err();
        assert_eq!(e.path(), "teams[0].agents");
        let grid = vec![("teams.desk.agents".to_owned(), vec![Value::from(0)])];
        assert!(sweep(&s, &policy, &grid, 1, &AtomicBool::new(false)).is_err());
        let big: Vec<Value> = (0..400).map(Value::from).collect();
        let grid = vec![("run.seed".to_owned(), big.clone()), ("run.seed".to_owned(), big)];
        assert_eq!(sweep(&s, &policy, &grid, 1, &AtomicBool::new(false)).unwrap_err().code(), "too_large");
        // What the host reads and compiles once cannot vary by point.
        for path in ["policy", "policy.sla.policies[0].first_response", "streams.calls.arrivals", "streams[0].arrivals"]
        {
            let grid = vec![(path.to_owned(), vec![Value::from("x"), Value::from("y")])];
            let e = sweep(&s, &policy, &grid, 1, &AtomicBool::new(false)).unwrap_err();
            assert_eq!((e.path(), e.code()), (path, "invalid_value"), "{e}");
        }
        let grid = vec![("run.arrivals".to_owned(), vec![Value::from(50)])];
        assert!(sweep(&s, &policy, &grid, 1, &AtomicBool::new(false)).is_ok(), "a count of arrivals is fine");
    }
}
