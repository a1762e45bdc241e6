//! Events read from dicts, and decisions written as dicts, directly for the
//! usual shapes: what `Engine.apply` and `apply_many` spend most of their
//! time on. Anything else goes the general way, through JSON values
//! (`convert.rs`), which gives the same events and dicts and is the one that
//! names a problem's field.

use std::cell::RefCell;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde_json::Value;
use tierwise::jiff::Timestamp;
use tierwise::{Channel, Decision, Event, EventParts, OfferExplanation, Ticket};

use crate::convert::{self, datetime};

thread_local! {
    /// The last `datetime` read whose zone is a fixed `datetime.timezone`,
    /// and its instant: a ticket's `created_at` is often the very object of
    /// its event's `at`. Both are immutable, so the same object has the same
    /// instant; the reference keeps the object, so no other takes its
    /// identity meanwhile. (Another `tzinfo` may answer differently from one
    /// call to the next, as it would to the general way: such datetimes are
    /// read afresh every time.)
    static LAST_READ: RefCell<Option<(Py<PyAny>, i64)>> = const { RefCell::new(None) };
}

/// The instant of an aware `datetime` (not a subclass), if it is one from
/// 1970 to 9999.
fn instant(obj: &Bound<'_, PyAny>) -> Option<Timestamp> {
    let py = obj.py();
    let hit = LAST_READ.with(|last| last.borrow().as_ref().filter(|(o, _)| o.is(obj)).map(|&(_, m)| m));
    let micros = match hit {
        Some(micros) => micros,
        None => {
            if !obj.get_type().is(convert::datetime_type(py).ok()?) {
                return None;
            }
            // A naive datetime cannot be subtracted from an aware one: the
            // general way then says so.
            let micros = convert::since_epoch(obj).ok()??;
            let zone = obj.getattr(intern!(py, "tzinfo")).ok()?;
            let utc = convert::utc(py).ok()?;
            if zone.get_type().is(utc.get_type()) {
                // The entry replaced is dropped after the borrow: a datetime
                // with a `timezone`, whose end runs no Python code anyway.
                let old = LAST_READ.with(|last| last.replace(Some((obj.clone().unbind(), micros))));
                drop(old);
                // A datetime in UTC is the very one a decision at this
                // instant would be given (an event's offers share its `at`).
                if zone.is(utc) && obj.getattr(intern!(py, "fold")).ok()?.extract::<u8>().ok()? == 0 {
                    convert::remember_datetime(micros, obj);
                }
            }
            micros
        }
    };
    // Instants before 1970 are left to the general way, which reads their
    // text (it is the one that knows the years its text form allows).
    if micros < 0 {
        return None;
    }
    Timestamp::from_microsecond(micros).ok()
}

/// A `str` (not a subclass) as Rust text.
fn text(obj: &Bound<'_, PyAny>) -> Option<String> {
    obj.cast_exact::<PyString>().ok()?.to_cow().ok().map(std::borrow::Cow::into_owned)
}

/// The values of `dict` at `keys`, in that order, if it has no other key.
/// Keys are matched by identity first: literal keys in Python code are the
/// same interned strings as `keys`.
fn fields<'py, const N: usize>(
    obj: &Bound<'py, PyAny>,
    keys: [&Bound<'py, PyString>; N],
) -> Option<[Option<Bound<'py, PyAny>>; N]> {
    let dict = obj.cast_exact::<PyDict>().ok()?;
    let mut values = [const { None }; N];
    for (key, value) in dict.iter() {
        let i = match keys.iter().position(|k| k.is(&key)) {
            Some(i) => i,
            // Only a `str` itself is compared: a subclass's `__eq__` could
            // say anything, or change the dict while it is walked.
            None if key.is_exact_instance_of::<PyString>() => {
                keys.iter().position(|k| k.as_any().eq(&key).unwrap_or(false))?
            }
            None => return None,
        };
        values[i] = Some(value);
    }
    Some(values)
}

/// A text field: absent, or a `str`.
fn text_field(value: Option<Bound<'_, PyAny>>) -> Option<Option<String>> {
    match value {
        Some(value) => Some(Some(text(&value)?)),
        None => Some(None),
    }
}

/// The event in `obj` if it is a dict of the usual shape: the fields of its
/// kind, `str` ids and names, aware `datetime`s from 1970 on, a ticket dict of
/// `str`, `bool` and skill levels as `int`. `None` for anything else
/// (`changes`, a key no event has, `None` for a field...).
pub fn event(obj: &Bound<'_, PyAny>) -> Option<Event> {
    let py = obj.py();
    let [at, name, ticket, agent, state, tier, preferred_agent, to_tier] = fields(
        obj,
        [
            intern!(py, "at"),
            intern!(py, "event"),
            intern!(py, "ticket"),
            intern!(py, "agent"),
            intern!(py, "state"),
            intern!(py, "tier"),
            intern!(py, "preferred_agent"),
            intern!(py, "to_tier"),
        ],
    )?;
    let name = name?;
    let name = name.cast_exact::<PyString>().ok()?.to_cow().ok()?;
    let (ticket, ticket_id) = match ticket {
        Some(value) if value.is_exact_instance_of::<PyDict>() => (Some(Box::new(self::ticket(&value)?)), None),
        Some(value) => (None, Some(text(&value)?)),
        None => (None, None),
    };
    let state = text_field(state)?;
    Event::from_parts(EventParts {
        at: instant(&at?)?,
        event: &name,
        ticket,
        ticket_id,
        agent: text_field(agent)?,
        state: state.as_deref(),
        tier: text_field(tier)?,
        preferred_agent: text_field(preferred_agent)?,
        to_tier: text_field(to_tier)?,
    })
}

/// The ticket in `obj` if it is a dict of the usual shape (plain fields, no
/// `history`), read as the full reader reads it; `None` for anything else.
pub fn ticket(obj: &Bound<'_, PyAny>) -> Option<Ticket> {
    let py = obj.py();
    let [id, created_at, channel, impact, urgency, priority, category, customer_tier, language, confidential, skills] =
        fields(
            obj,
            [
                intern!(py, "id"),
                intern!(py, "created_at"),
                intern!(py, "channel"),
                intern!(py, "impact"),
                intern!(py, "urgency"),
                intern!(py, "priority"),
                intern!(py, "category"),
                intern!(py, "customer_tier"),
                intern!(py, "language"),
                intern!(py, "confidential"),
                intern!(py, "skills"),
            ],
        )?;
    let mut ticket = Ticket {
        id: text_field(id)?.unwrap_or_default(),
        created_at: instant(&created_at?)?,
        channel: Channel::from_name(&text(&channel?)?).ok()?,
        impact: text_field(impact)?,
        urgency: text_field(urgency)?,
        priority: text_field(priority)?,
        category: text_field(category)?,
        customer_tier: text_field(customer_tier)?,
        language: text_field(language)?,
        skills: Default::default(),
        confidential: match confidential {
            Some(value) => value.cast_exact::<PyBool>().ok()?.is_true(),
            None => false,
        },
        history: Vec::new(),
    };
    if let Some(skills) = skills {
        for (skill, level) in skills.cast_exact::<PyDict>().ok()?.iter() {
            let level: u8 = level.cast_exact::<PyInt>().ok()?.extract().ok()?;
            ticket.skills.insert(text(&skill)?, level);
        }
    }
    Some(ticket)
}

/// A decision as a dict: the same dict, keys in the same (sorted) order, as
/// its JSON value gives.
pub fn decision<'py>(py: Python<'py>, decision: &Decision) -> PyResult<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    match decision {
        Decision::Offer { at, ticket, agent, expires_at, why } => {
            dict.set_item(intern!(py, "agent"), agent)?;
            dict.set_item(intern!(py, "at"), datetime(py, *at)?)?;
            dict.set_item(intern!(py, "decision"), intern!(py, "offer"))?;
            dict.set_item(intern!(py, "expires_at"), datetime(py, *expires_at)?)?;
            dict.set_item(intern!(py, "ticket"), ticket)?;
            dict.set_item(intern!(py, "why"), explanation(py, why)?)?;
        }
        Decision::WakeAt { at } => {
            dict.set_item(intern!(py, "at"), datetime(py, *at)?)?;
            dict.set_item(intern!(py, "decision"), intern!(py, "wake_at"))?;
        }
        other => return convert::to_py(py, &serde_json::to_value(other).unwrap_or(Value::Null)),
    }
    Ok(dict.into_any())
}

/// A number as JSON values have it: a float, or `None` when not finite.
fn number(py: Python<'_>, x: f64) -> Bound<'_, PyAny> {
    if x.is_finite() { PyFloat::new(py, x).into_any() } else { py.None().into_bound(py) }
}

fn explanation<'py>(py: Python<'py>, why: &OfferExplanation) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    if let Some(due) = why.due {
        dict.set_item(intern!(py, "due"), datetime(py, due)?)?;
    }
    dict.set_item(intern!(py, "idle_s"), number(py, why.idle_s))?;
    dict.set_item(intern!(py, "load"), PyList::new(py, [why.load.0, why.load.1])?)?;
    if !why.passed_over.is_empty() {
        let passed = PyList::empty(py);
        for p in &why.passed_over {
            let d = PyDict::new(py);
            d.set_item(intern!(py, "agent"), &p.agent)?;
            d.set_item(intern!(py, "reason"), &p.reason)?;
            passed.append(d)?;
        }
        dict.set_item(intern!(py, "passed_over"), passed)?;
    }
    dict.set_item(intern!(py, "preferred"), why.preferred)?;
    dict.set_item(intern!(py, "priority"), &*why.priority)?;
    if !why.relaxation.is_empty() {
        dict.set_item(intern!(py, "relaxation"), PyList::new(py, &why.relaxation)?)?;
    }
    dict.set_item(intern!(py, "score"), number(py, why.score))?;
    if !why.skills.is_empty() {
        let skills = PyList::empty(py);
        for s in &why.skills {
            let d = PyDict::new(py);
            d.set_item(intern!(py, "level"), s.level)?;
            d.set_item(intern!(py, "required"), s.required)?;
            d.set_item(intern!(py, "skill"), &*s.skill)?;
            skills.append(d)?;
        }
        dict.set_item(intern!(py, "skills"), skills)?;
    }
    dict.set_item(intern!(py, "strategy"), PyList::new(py, why.strategy.iter().map(|s| &**s))?)?;
    dict.set_item(intern!(py, "tier"), &*why.tier)?;
    dict.set_item(intern!(py, "waited_s"), number(py, why.waited_s))?;
    Ok(dict)
}
