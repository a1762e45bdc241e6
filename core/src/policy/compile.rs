//! Checks a [`Policy`] and compiles it: names become indexes, zones are
//! resolved once, calendars are built. Every problem is collected with its
//! field path; legal-but-suspicious choices become warnings.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use super::{CalendarSpec, ConditionSpec, HolidaySpec, Policy, StringList, TargetSpec};
use crate::calendar::{ALWAYS_OPEN, Calendar, Holiday, LocalInterval, WeeklyHours};
use crate::error::{Error, ErrorKind, Problem, unknown_name};
use crate::priority::{Condition, Override, OverrideAction, PriorityModel, Scoring};
use crate::routing::RoutingRules;
use crate::sla::{SlaRule, Target};
use crate::ticket::Channel;
use crate::time::{duration_ms, format_duration};

const MAX_CALENDARS: usize = 1000;
const MAX_HOLIDAYS: usize = 10_000;
const MAX_INTERVALS_PER_DAY: usize = 48;
const MAX_CLASSES: usize = 20;
const MAX_LEVELS: usize = 10;
const MAX_RULES: usize = 10_000;
const MAX_NAMES: usize = 1000;
const MAX_NAME_LEN: usize = 128;

/// A checked, immutable policy, ready for the engine. Cheap to clone (shared).
#[derive(Clone)]
pub struct CompiledPolicy {
    pub(crate) inner: Arc<Compiled>,
}

pub(crate) struct Compiled {
    pub(crate) source: Policy,
    /// Index 0 is the built-in calendar time, `"24x7"`.
    pub(crate) calendars: Vec<Calendar>,
    pub(crate) priority: PriorityModel,
    pub(crate) customer_tiers: Vec<String>,
    pub(crate) categories: Vec<String>,
    pub(crate) sla: Vec<SlaRule>,
    pub(crate) scoring: Scoring,
    pub(crate) routing: RoutingRules,
    pub(crate) warnings: Vec<Problem>,
}

impl fmt::Debug for CompiledPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledPolicy")
            .field("calendars", &self.inner.calendars)
            .field("classes", &self.inner.priority.classes)
            .field("sla_rules", &self.inner.sla.len())
            .finish_non_exhaustive()
    }
}

impl CompiledPolicy {
    /// The document it was compiled from.
    #[must_use]
    pub fn source(&self) -> &Policy {
        &self.inner.source
    }

    /// Legal but suspicious choices: SLA rules that can never match, priority
    /// classes without any SLA rule, rules without targets.
    #[must_use]
    pub fn warnings(&self) -> &[Problem] {
        &self.inner.warnings
    }

    /// Priority class names, most critical first.
    #[must_use]
    pub fn priority_classes(&self) -> &[String] {
        &self.inner.priority.classes
    }

    /// Impact level names, most severe first.
    #[must_use]
    pub fn impact_levels(&self) -> &[String] {
        &self.inner.priority.impact
    }

    /// Urgency level names, most severe first.
    #[must_use]
    pub fn urgency_levels(&self) -> &[String] {
        &self.inner.priority.urgency
    }

    /// The priority matrix as class names, `[impact][urgency]`, with defaults
    /// filled in.
    #[must_use]
    pub fn priority_matrix(&self) -> Vec<Vec<&str>> {
        let classes = &self.inner.priority.classes;
        self.inner.priority.matrix.iter().map(|row| row.iter().map(|&c| classes[c].as_str()).collect()).collect()
    }

    /// Customer tier names, least important first.
    #[must_use]
    pub fn customer_tiers(&self) -> &[String] {
        &self.inner.customer_tiers
    }

    /// The calendar called `name` (`"24x7"` is always there).
    #[must_use]
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.inner.calendars.iter().find(|c| c.name() == name)
    }

    /// Every calendar, `"24x7"` first, then by name.
    #[must_use]
    pub fn calendars(&self) -> &[Calendar] {
        &self.inner.calendars
    }

    /// Support tier names, first line first.
    #[must_use]
    pub fn tiers(&self) -> &[String] {
        &self.inner.routing.tiers
    }

    /// Number of SLA rules.
    #[must_use]
    pub fn sla_rule_count(&self) -> usize {
        self.inner.sla.len()
    }
}

/// Collects problems with a path prefix.
struct Checker {
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Checker {
    fn error(&mut self, kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(kind, path, message));
    }

    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Problem::new(ErrorKind::InvalidValue, path, message));
    }

    /// Checks a list of names: non-empty, unique, bounded, sensible length.
    fn names(&mut self, path: &str, names: &[String], min: usize, max: usize) {
        if names.len() < min {
            self.error(ErrorKind::InvalidValue, path, format!("needs at least {min} name(s)"));
        }
        if names.len() > max {
            self.error(ErrorKind::TooLarge, path, format!("{} names; the limit is {max}", names.len()));
            return;
        }
        let mut seen = BTreeSet::new();
        for (i, n) in names.iter().enumerate() {
            if n.trim().is_empty() || n.len() > MAX_NAME_LEN {
                self.error(ErrorKind::InvalidValue, format!("{path}[{i}]"), "names must be 1 to 128 characters");
            } else if !seen.insert(n.as_str()) {
                self.error(ErrorKind::Duplicate, format!("{path}[{i}]"), format!("\"{n}\" appears twice"));
            }
        }
    }

    /// A scoring weight: finite and at most [`MAX_WEIGHT`] either way, so
    /// that every score (weights times classes, hours and the like) stays a
    /// finite number that orders tickets.
    fn weight(&mut self, path: &str, value: f64) -> f64 {
        // Written so that NaN fails too.
        if value.abs() <= MAX_WEIGHT {
            value
        } else {
            self.error(
                ErrorKind::InvalidValue,
                path,
                format!("must be a finite number from -1e9 to 1e9, found {value}"),
            );
            0.0
        }
    }
}

/// The largest scoring weight either way.
const MAX_WEIGHT: f64 = 1e9;

fn index_of(names: &[String], name: &str) -> Option<usize> {
    names.iter().position(|n| n == name)
}

pub(super) fn compile(policy: &Policy) -> Result<CompiledPolicy, Error> {
    let mut ck = Checker { problems: Vec::new(), warnings: Vec::new() };

    // Calendars.
    let mut calendars = vec![Calendar::always_open()];
    if policy.calendars.len() > MAX_CALENDARS {
        ck.error(
            ErrorKind::TooLarge,
            "calendars",
            format!("{} calendars; the limit is {MAX_CALENDARS}", policy.calendars.len()),
        );
    } else {
        for (name, spec) in &policy.calendars {
            let path = format!("calendars.{name}");
            if name == ALWAYS_OPEN {
                ck.error(ErrorKind::Duplicate, &path, "\"24x7\" is built in (calendar time) and cannot be redefined");
                continue;
            }
            if name.is_empty() || name.len() > MAX_NAME_LEN {
                ck.error(ErrorKind::InvalidValue, &path, "calendar names must be 1 to 128 characters");
                continue;
            }
            if let Some(cal) = compile_calendar(name, spec, &path, &mut ck) {
                calendars.push(cal);
            }
        }
    }
    let calendar_names: Vec<&str> =
        std::iter::once(ALWAYS_OPEN).chain(policy.calendars.keys().map(String::as_str)).collect();
    let find_calendar = |ck: &mut Checker, path: &str, name: &str| -> Option<Calendar> {
        if let Some(c) = calendars.iter().find(|c| c.name() == name) {
            return Some(c.clone());
        }
        // A calendar that exists but failed to compile was reported already.
        if !policy.calendars.contains_key(name) {
            ck.problems.push(unknown_name(path, "calendar", name, calendar_names.iter().copied()));
        }
        None
    };

    // Names.
    ck.names("customer_tiers", &policy.customer_tiers, 1, MAX_NAMES);
    ck.names("categories", &policy.categories, 0, MAX_NAMES);
    let p = &policy.priority;
    ck.names("priority.classes", &p.classes, 2, MAX_CLASSES);
    ck.names("priority.impact", &p.impact, 1, MAX_LEVELS);
    ck.names("priority.urgency", &p.urgency, 1, MAX_LEVELS);
    let dims_ok = ck.problems.iter().all(|e| !e.path().starts_with("priority."));

    // Matrix.
    let mut matrix: Vec<Vec<usize>> = Vec::new();
    if dims_ok {
        match &p.matrix {
            None => {
                let (n, m, k) = (p.impact.len(), p.urgency.len(), p.classes.len());
                let span = (n + m).saturating_sub(2).max(1);
                matrix = (0..n).map(|i| (0..m).map(|j| ((i + j) * (k - 1) + span / 2) / span).collect()).collect();
            }
            Some(rows) => {
                if rows.len() != p.impact.len() {
                    ck.error(
                        ErrorKind::InvalidValue,
                        "priority.matrix",
                        format!("{} rows, but there are {} impact levels", rows.len(), p.impact.len()),
                    );
                }
                for (i, row) in rows.iter().enumerate() {
                    if row.len() != p.urgency.len() {
                        ck.error(
                            ErrorKind::InvalidValue,
                            format!("priority.matrix[{i}]"),
                            format!("{} columns, but there are {} urgency levels", row.len(), p.urgency.len()),
                        );
                    }
                    let mut out = Vec::with_capacity(row.len());
                    for (j, cell) in row.iter().enumerate() {
                        match index_of(&p.classes, cell) {
                            Some(c) => out.push(c),
                            None => ck.problems.push(unknown_name(
                                format!("priority.matrix[{i}][{j}]"),
                                "priority class",
                                cell,
                                p.classes.iter().map(String::as_str),
                            )),
                        }
                    }
                    matrix.push(out);
                }
            }
        }
    }

    // Overrides.
    let lists = Lists { classes: &p.classes, tiers: &policy.customer_tiers, categories: &policy.categories };
    let mut overrides = Vec::new();
    if p.overrides.len() > MAX_RULES {
        ck.error(ErrorKind::TooLarge, "priority.overrides", format!("more than {MAX_RULES} overrides"));
    }
    for (i, o) in p.overrides.iter().enumerate().take(MAX_RULES) {
        let path = format!("priority.overrides[{i}]");
        if !o.when.priority.0.is_empty() {
            ck.error(
                ErrorKind::InvalidValue,
                format!("{path}.when.priority"),
                "an override cannot test the priority class it changes; use category, customer_tier or channel",
            );
        }
        let condition = compile_condition(&o.when, &format!("{path}.when"), &lists, &mut ck);
        let action = match (o.raise, o.lower, &o.set) {
            (Some(n), None, None) if n > 0 => Some(OverrideAction::Raise(n)),
            (None, Some(n), None) if n > 0 => Some(OverrideAction::Lower(n)),
            (None, None, Some(c)) => match index_of(&p.classes, c) {
                Some(c) => Some(OverrideAction::Set(c)),
                None => {
                    ck.problems.push(unknown_name(
                        format!("{path}.set"),
                        "priority class",
                        c,
                        p.classes.iter().map(String::as_str),
                    ));
                    None
                }
            },
            (Some(0), None, None) | (None, Some(0), None) => {
                ck.error(ErrorKind::InvalidValue, &path, "raise/lower must be at least 1");
                None
            }
            _ => {
                ck.error(ErrorKind::InvalidValue, &path, "give exactly one of raise, lower or set");
                None
            }
        };
        if let Some(action) = action {
            overrides.push(Override { path, name: o.name.clone(), condition, action });
        }
    }

    // SLA.
    let s = &policy.sla;
    // Alerts are told, each once, in steps of a ten-thousandth of the
    // target (the engine remembers the highest told as a step number).
    let check_fractions = |ck: &mut Checker, path: &str, fractions: &[f64]| {
        for (i, &f) in fractions.iter().enumerate() {
            if !(0.0001..=0.9999).contains(&f) {
                ck.error(
                    ErrorKind::InvalidValue,
                    format!("{path}[{i}]"),
                    format!("must be from 0.0001 to 0.9999, found {f}"),
                );
            } else if let Some(j) = fractions[..i].iter().position(|&g| (g * 1e4).round() == (f * 1e4).round()) {
                ck.error(
                    ErrorKind::Duplicate,
                    format!("{path}[{i}]"),
                    format!("the same ten-thousandth as {path}[{j}]: alerts are told in steps of 0.0001"),
                );
            }
        }
    };
    check_fractions(&mut ck, "sla.warn_at", &s.warn_at);
    if s.policies.len() > MAX_RULES {
        ck.error(ErrorKind::TooLarge, "sla.policies", format!("more than {MAX_RULES} SLA rules"));
    }
    let mut sla = Vec::new();
    for (i, rule) in s.policies.iter().enumerate().take(MAX_RULES) {
        let path = format!("sla.policies[{i}]");
        let condition = compile_condition(&rule.when, &format!("{path}.when"), &lists, &mut ck);
        let rule_calendar = match &rule.calendar {
            Some(name) => find_calendar(&mut ck, &format!("{path}.calendar"), name),
            None => Some(calendars[0].clone()),
        };
        let target = |ck: &mut Checker, field: &str, spec: &Option<TargetSpec>| -> Option<Target> {
            let spec = spec.as_ref()?;
            let tpath = format!("{path}.{field}");
            let calendar = match &spec.calendar {
                Some(name) => find_calendar(ck, &format!("{tpath}.calendar"), name),
                None => rule_calendar.clone(),
            };
            let within_ms = duration_ms(spec.within);
            if within_ms <= 0 {
                ck.error(
                    ErrorKind::InvalidValue,
                    &tpath,
                    format!("a target must be positive, found {}", format_duration(spec.within)),
                );
                return None;
            }
            Some(Target::new(within_ms, calendar?, rule.warn_at.as_deref().unwrap_or(&s.warn_at)))
        };
        let targets = [
            target(&mut ck, "first_response", &rule.first_response),
            target(&mut ck, "next_reply", &rule.next_reply),
            target(&mut ck, "resolution", &rule.resolution),
        ];
        if rule.first_response.is_none() && rule.next_reply.is_none() && rule.resolution.is_none() {
            ck.warn(&path, "sets no target: matching tickets get no deadlines");
        }
        if let Some(w) = &rule.warn_at {
            check_fractions(&mut ck, &format!("{path}.warn_at"), w);
        }
        let label = rule.name.clone().unwrap_or_else(|| path.clone());
        sla.push(SlaRule { label, condition, targets });
    }
    sla_warnings(&sla, &p.classes, &mut ck);

    // Scoring.
    let sc = &policy.scoring;
    let priority_points = ck.weight("scoring.priority", sc.priority);
    let per_hour_waiting = ck.weight("scoring.per_hour_waiting", sc.per_hour_waiting);
    let per_hour_past_deadline = ck.weight("scoring.per_hour_past_deadline", sc.per_hour_past_deadline);
    let mut tier_points = vec![0.0; policy.customer_tiers.len()];
    for (name, &points) in &sc.customer_tier {
        let path = format!("scoring.customer_tier.{name}");
        let points = ck.weight(&path, points);
        match index_of(&policy.customer_tiers, name) {
            Some(t) => tier_points[t] = points,
            None => ck.problems.push(unknown_name(
                path,
                "customer tier",
                name,
                policy.customer_tiers.iter().map(String::as_str),
            )),
        }
    }
    let mut channel_points = [0.0; 7];
    for (name, &points) in &sc.channel {
        let path = format!("scoring.channel.{name}");
        let points = ck.weight(&path, points);
        match Channel::from_name(name) {
            Ok(c) => channel_points[c.index()] = points,
            Err(p) => ck.problems.push(p.under(&path)),
        }
    }

    // Tiers and routing.
    ck.names("tiers", &policy.tiers, 1, 10);
    let routing = crate::routing::compile(&policy.routing, &policy.tiers, &mut ck.problems);
    if let Some(last) = routing.relaxation.last() {
        for (i, rule) in sla.iter().enumerate() {
            if let Some(first) = &rule.targets[0]
                && last.after_ms > first.within_ms
            {
                ck.warn(
                    "routing.relaxation",
                    format!(
                        "the ladder's last step ({}) comes after the first-response target of sla.policies[{i}] ({}): \
                         those tickets breach before they are fully relaxed",
                        format_duration(crate::time::ms_duration(last.after_ms)),
                        format_duration(crate::time::ms_duration(first.within_ms)),
                    ),
                );
            }
        }
    }

    if !ck.problems.is_empty() {
        return Err(Error::from_problems(ck.problems));
    }
    Ok(CompiledPolicy {
        inner: Arc::new(Compiled {
            source: policy.clone(),
            calendars,
            priority: PriorityModel {
                classes: p.classes.clone(),
                impact: p.impact.clone(),
                urgency: p.urgency.clone(),
                matrix,
                overrides,
            },
            customer_tiers: policy.customer_tiers.clone(),
            categories: policy.categories.clone(),
            sla,
            scoring: Scoring {
                priority_points,
                per_hour_waiting,
                per_hour_past_deadline,
                customer_tier: tier_points,
                channel: channel_points,
            },
            routing,
            warnings: ck.warnings,
        }),
    })
}

struct Lists<'a> {
    classes: &'a [String],
    tiers: &'a [String],
    categories: &'a [String],
}

fn compile_condition(spec: &ConditionSpec, path: &str, lists: &Lists<'_>, ck: &mut Checker) -> Condition {
    let mut resolve = |field: &str, what: &str, names: &StringList, valid: &[String]| -> Vec<usize> {
        let mut out = Vec::new();
        for (i, n) in names.0.iter().enumerate() {
            match index_of(valid, n) {
                Some(x) => out.push(x),
                None => ck.problems.push(unknown_name(
                    format!("{path}.{field}[{i}]"),
                    what,
                    n,
                    valid.iter().map(String::as_str),
                )),
            }
        }
        out
    };
    let priorities = resolve("priority", "priority class", &spec.priority, lists.classes);
    let customer_tiers = resolve("customer_tier", "customer tier", &spec.customer_tier, lists.tiers);
    let categories = if lists.categories.is_empty() {
        spec.category.0.clone()
    } else {
        resolve("category", "category", &spec.category, lists.categories)
            .into_iter()
            .map(|i| lists.categories[i].clone())
            .collect()
    };
    let mut channels = Vec::new();
    for (i, n) in spec.channel.0.iter().enumerate() {
        match Channel::from_name(n) {
            Ok(c) => channels.push(c),
            Err(p) => ck.problems.push(p.under(&format!("{path}.channel[{i}]"))),
        }
    }
    Condition { categories, customer_tiers, channels, priorities }
}

fn compile_calendar(name: &str, spec: &CalendarSpec, path: &str, ck: &mut Checker) -> Option<Calendar> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const GROUPS: [(&str, &[usize]); 3] =
        [("weekdays", &[0, 1, 2, 3, 4]), ("weekend", &[5, 6]), ("daily", &[0, 1, 2, 3, 4, 5, 6])];
    let before = ck.problems.len();
    let mut days: [Vec<LocalInterval>; 7] = Default::default();
    let mut source: [Option<&str>; 7] = [None; 7];
    for (key, list) in &spec.hours {
        let hpath = format!("{path}.hours.{key}");
        let targets: Vec<usize> = if let Some(d) = DAYS.iter().position(|d| d == key) {
            vec![d]
        } else if let Some((_, g)) = GROUPS.iter().find(|(g, _)| g == key) {
            g.to_vec()
        } else {
            let valid = DAYS.iter().chain(GROUPS.iter().map(|(g, _)| g)).copied();
            let hint = crate::error::did_you_mean(key, valid);
            ck.problems.push(
                Problem::new(ErrorKind::UnknownField, &hpath, "unknown day")
                    .with_hint(hint.or(Some("use mon..sun, weekdays, weekend or daily".to_owned()))),
            );
            continue;
        };
        if list.0.len() > MAX_INTERVALS_PER_DAY {
            ck.error(ErrorKind::TooLarge, &hpath, format!("more than {MAX_INTERVALS_PER_DAY} intervals"));
            continue;
        }
        let mut intervals = Vec::new();
        for (i, text) in list.0.iter().enumerate() {
            match LocalInterval::parse(text) {
                Ok(iv) => intervals.push(iv),
                Err(msg) => ck.error(ErrorKind::InvalidValue, format!("{hpath}[{i}]"), msg),
            }
        }
        for d in targets {
            if let Some(other) = source[d] {
                ck.error(ErrorKind::Duplicate, &hpath, format!("sets {} again (already set by \"{other}\")", DAYS[d]));
                continue;
            }
            source[d] = Some(key.as_str());
            days[d].clone_from(&intervals);
        }
    }
    // Bad hours do not hide the zone's and the holidays' problems: every
    // problem at once.
    let week = if ck.problems.len() > before {
        None
    } else {
        match WeeklyHours::new(days) {
            Ok(w) => Some(w),
            Err(problems) => {
                for p in problems {
                    // Map "tue[1]" back to the key the interval came from.
                    let day = p.path().split('[').next().unwrap_or("");
                    let key = DAYS.iter().position(|d| *d == day).and_then(|d| source[d]).unwrap_or(day);
                    let rest = &p.path()[day.len()..];
                    ck.problems.push(Problem::new(p.kind(), format!("{path}.hours.{key}{rest}"), p.message()));
                }
                None
            }
        }
    };
    if spec.holidays.len() > MAX_HOLIDAYS {
        ck.error(ErrorKind::TooLarge, format!("{path}.holidays"), format!("more than {MAX_HOLIDAYS} holidays"));
        return None;
    }
    let mut holidays = Vec::new();
    for (i, h) in spec.holidays.iter().enumerate() {
        let hpath = format!("{path}.holidays[{i}]");
        match parse_holiday(h) {
            Ok(h) => holidays.push(h),
            Err(msg) => ck.error(ErrorKind::InvalidValue, hpath, msg),
        }
    }
    // With bad hours the calendar is still made (open all week) for its
    // zone's problems, then dropped.
    let hours_ok = week.is_some();
    match Calendar::new(name, &spec.timezone, week.unwrap_or_else(WeeklyHours::always), holidays) {
        Ok(c) => hours_ok.then_some(c),
        Err(e) => {
            ck.problems.extend(e.under(path).problems().iter().cloned());
            None
        }
    }
}

fn parse_holiday(spec: &HolidaySpec) -> Result<Holiday, String> {
    let date = |s: &str| crate::time::parse_date(s.trim());
    let (first, last, name) = match spec {
        HolidaySpec::Text(text) => match text.split_once("..") {
            Some((a, b)) => (date(a)?, date(b)?, None),
            None => (date(text)?, date(text)?, None),
        },
        HolidaySpec::Named(n) => match (&n.date, &n.from, &n.to) {
            (Some(d), None, None) => (date(d)?, date(d)?, n.name.clone()),
            (None, Some(a), Some(b)) => (date(a)?, date(b)?, n.name.clone()),
            _ => return Err("give either `date`, or `from` and `to`".to_owned()),
        },
    };
    if last < first {
        return Err(format!("range ends ({last}) before it starts ({first})"));
    }
    Ok(Holiday { first, last, name })
}

/// Warns about SLA rules that can never match and priority classes no rule covers.
fn sla_warnings(rules: &[SlaRule], classes: &[String], ck: &mut Checker) {
    fn covers<T: PartialEq>(outer: &[T], inner: &[T]) -> bool {
        outer.is_empty() || (!inner.is_empty() && inner.iter().all(|x| outer.contains(x)))
    }
    for (i, rule) in rules.iter().enumerate() {
        let c = &rule.condition;
        if let Some(j) = rules[..i].iter().position(|earlier| {
            let e = &earlier.condition;
            covers(&e.priorities, &c.priorities)
                && covers(&e.customer_tiers, &c.customer_tiers)
                && covers(&e.channels, &c.channels)
                && covers(&e.categories, &c.categories)
        }) {
            ck.warn(
                format!("sla.policies[{i}]"),
                format!("never applies: every ticket it matches is taken by sla.policies[{j}] first"),
            );
        }
    }
    if rules.is_empty() {
        ck.warn("sla.policies", "no SLA rules: tickets get no deadlines");
        return;
    }
    for (k, class) in classes.iter().enumerate() {
        if !rules.iter().any(|r| r.condition.priorities.is_empty() || r.condition.priorities.contains(&k)) {
            ck.warn("sla.policies", format!("no rule applies to priority {class}: those tickets get no deadlines"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Policy;

    fn problems(toml: &str) -> Vec<String> {
        match Policy::from_toml_str(toml).and_then(|p| p.compile()) {
            Ok(_) => vec![],
            Err(e) => e.problems().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn default_matrix_is_the_itil_table() {
        let c = Policy::default().compile().unwrap();
        assert_eq!(c.priority_matrix(), vec![vec!["P1", "P2", "P3"], vec!["P2", "P3", "P4"], vec!["P3", "P4", "P5"]]);
    }

    #[test]
    fn semantic_problems_are_all_reported_with_paths_and_hints() {
        let got = problems(
            r#"
            version = 1
            [calendars.emea-support]
            timezone = "Europe/Lodnon"
            hours = { weekdays = "09:00-17:00", mon = "10:00-12:00" }
            [calendars.empty]
            timezone = "UTC"
            hours = {}
            [calendars.split]
            timezone = "UTC"
            hours = { tue = ["09:00-13:00", "12:00-18:00"] }
            [[priority.overrides]]
            when = { customer_tier = "vipp" }
            raise = 1
            [[sla.policies]]
            when = { priority = "P9" }
            calendar = "emea-suport"
            first_response = "-1h"
            [scoring.customer_tier]
            gold = 5
            "#,
        );
        let expected = [
            "calendars.emea-support.hours.weekdays: sets mon again (already set by \"mon\")",
            "calendars.emea-support.timezone: unknown time zone \"Europe/Lodnon\" (did you mean \"Europe/London\"?)",
            "calendars.empty.hours: the calendar has no working hours; add intervals such as weekdays = [\"09:00-17:00\"]",
            "calendars.split.hours.tue[1]: \"12:00-18:00\" overlaps tue[0] \"09:00-13:00\"",
            "priority.overrides[0].when.customer_tier[0]: unknown customer tier \"vipp\" (did you mean \"vip\"?)",
            "sla.policies[0].when.priority[0]: unknown priority class \"P9\" (expected one of: P1, P2, P3, P4, P5)",
            "sla.policies[0].calendar: unknown calendar \"emea-suport\" (did you mean \"emea-support\"?)",
            "sla.policies[0].first_response: a target must be positive, found -1h",
            "scoring.customer_tier.gold: unknown customer tier \"gold\" (expected one of: standard, premium, vip)",
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn unknown_zone_is_named() {
        let got = problems(
            r#"
            version = 1
            [calendars.x]
            timezone = "America/Bogata"
            hours = { daily = "08:00-20:00" }
            "#,
        );
        assert_eq!(
            got,
            ["calendars.x.timezone: unknown time zone \"America/Bogata\" (did you mean \"America/Bogota\"?)"]
        );
    }

    #[test]
    fn warnings_for_shadowed_and_uncovered_rules() {
        let c = Policy::from_toml_str(
            r#"
            version = 1
            [[sla.policies]]
            when = { priority = ["P1", "P2"] }
            resolution = "4h"
            [[sla.policies]]
            when = { priority = "P2", customer_tier = "vip" }
            resolution = "2h"
            "#,
        )
        .unwrap()
        .compile()
        .unwrap();
        let w: Vec<String> = c.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(w[0], "sla.policies[1]: never applies: every ticket it matches is taken by sla.policies[0] first");
        assert_eq!(w.len(), 4, "{w:?}");
    }
}
