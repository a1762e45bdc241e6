//! Recorded arrivals: a stream can replay the tickets a desk actually received
//! (from a CSV export) instead of drawing Poisson arrivals.
//!
//! The CSV has a header row naming its columns, in any order:
//!
//! | column | meaning | if empty |
//! |---|---|---|
//! | `timestamp` | when the ticket arrived, RFC 3339 (`2026-03-02T09:00:05Z`) | required |
//! | `channel` | `phone`, `chat`, `email`, ... | the stream's channel |
//! | `priority` | a priority class of the policy | the stream's (or the policy's matrix) |
//! | `skills` | skills with minimum levels: `network:3 software:2` (spaces or `;` between) | the stream's |
//! | `handle_s` | handling time in the first tier, in seconds | drawn from the stream's `handle` |
//!
//! Fields may be quoted (`"..."`, with `""` for a quote inside). Blank lines
//! are skipped. Reading the file is the host's business (the core owns no
//! I/O): the CLI and the Python package read a stream's `arrivals` file
//! relative to the scenario; other hosts put the rows in `recorded`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Problem};
use crate::ticket::Channel;

/// The largest arrivals file a host should read, in bytes.
pub const MAX_ARRIVALS_BYTES: usize = 1 << 30;

/// Most rows read from one arrivals file.
pub const MAX_RECORDED_ARRIVALS: usize = 10_000_000;

/// One recorded arrival: when, and what the record says of the ticket.
/// Absent fields take the stream's values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedArrival {
    /// When the ticket arrived.
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
    pub at: Timestamp,
    /// The channel it arrived on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Its priority class (wins over the policy's matrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Skills it needed, with minimum levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<BTreeMap<String, u8>>,
    /// How long its first agent worked on it, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_s: Option<f64>,
    /// The line of the arrivals file it was read from (the header is line
    /// 1), so that a problem found later names it; kept through edits of the
    /// scenario (which go through serde).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

const COLUMNS: [&str; 5] = ["timestamp", "channel", "priority", "skills", "handle_s"];

/// Reads recorded arrivals from CSV text (see the module documentation).
///
/// # Errors
/// Each bad field as a problem at `lines[n].column` (line numbers from 1,
/// the header being line 1), at most 100; a header that lacks `timestamp`
/// or names an unknown column; more than [`MAX_RECORDED_ARRIVALS`] rows.
pub fn read_arrivals_csv(text: &str) -> Result<Vec<RecordedArrival>, Error> {
    let mut lines =
        crate::policy::without_byte_order_mark(text).lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(Error::new(
            ErrorKind::MissingField,
            "lines[1]",
            "no header row (e.g. `timestamp,channel,handle_s`)",
        ));
    };
    let mut problems = Vec::new();
    let mut columns = Vec::new();
    for (i, name) in split_fields(header).unwrap_or_default().iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(c) if columns.contains(&Some(c)) => {
                problems.push(Problem::new(
                    ErrorKind::Duplicate,
                    format!("lines[1][{i}]"),
                    format!("column {name} twice"),
                ));
            }
            Some(c) => columns.push(Some(c)),
            None => {
                problems.push(crate::error::unknown_name(format!("lines[1][{i}]"), "column", &name, COLUMNS));
                columns.push(None);
            }
        }
    }
    if !columns.contains(&Some(0)) {
        problems.push(Problem::new(ErrorKind::MissingField, "lines[1]", "the header needs a `timestamp` column"));
    }
    if !problems.is_empty() {
        return Err(Error::from_problems(problems));
    }
    let mut rows = Vec::new();
    for (n, line) in lines {
        let number = n + 1;
        if rows.len() >= MAX_RECORDED_ARRIVALS {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("lines[{number}]"),
                format!("more than {MAX_RECORDED_ARRIVALS} rows"),
            ));
        }
        let Some(fields) = split_fields(line) else {
            problems.push(Problem::new(ErrorKind::InvalidValue, format!("lines[{number}]"), "a quote is not closed"));
            continue;
        };
        if fields.len() != columns.len() {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("lines[{number}]"),
                format!("{} fields, but the header has {}", fields.len(), columns.len()),
            ));
        } else if let Some(row) = read_row(&fields, &columns, number, &mut problems) {
            rows.push(row);
        }
        if problems.len() >= 100 {
            break;
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(Error::from_problems(problems)) }
}

fn read_row(
    fields: &[String],
    columns: &[Option<usize>],
    number: usize,
    problems: &mut Vec<Problem>,
) -> Option<RecordedArrival> {
    let before = problems.len();
    let mut row = RecordedArrival {
        at: Timestamp::UNIX_EPOCH,
        channel: None,
        priority: None,
        skills: None,
        handle_s: None,
        line: u32::try_from(number).ok(),
    };
    for (field, column) in fields.iter().zip(columns) {
        let (Some(column), value) = (column, field.trim()) else { continue };
        let path = || format!("lines[{number}].{}", COLUMNS[*column]);
        let mut bad = |message: String| problems.push(Problem::new(ErrorKind::InvalidValue, path(), message));
        if value.is_empty() {
            if *column == 0 {
                bad("a timestamp is required".to_owned());
            }
            continue;
        }
        match column {
            0 => match crate::time::parse_instant(value) {
                Ok(at) => row.at = at,
                Err(message) => bad(message),
            },
            1 => match Channel::from_name(value) {
                Ok(c) => row.channel = Some(c),
                Err(p) => problems.push(p.under(&path())),
            },
            2 => row.priority = Some(value.to_owned()),
            3 => match read_skills(value) {
                Ok(skills) => row.skills = Some(skills),
                Err(message) => bad(message),
            },
            _ => match value.parse::<f64>() {
                Ok(s) if s.is_finite() && (0.0..=366.0 * 86_400.0).contains(&s) => row.handle_s = Some(s),
                _ => bad(format!("\"{value}\" is not a number of seconds from 0 to a year")),
            },
        }
    }
    (problems.len() == before).then_some(row)
}

/// `network:3 software:2` (or `;` between) as skills with levels.
fn read_skills(text: &str) -> Result<BTreeMap<String, u8>, String> {
    let mut skills = BTreeMap::new();
    for item in text.split([' ', ';']).filter(|s| !s.is_empty()) {
        let (name, level) = item.split_once(':').unwrap_or((item, "1"));
        let level: u8 = level
            .parse()
            .ok()
            .filter(|l| (1..=10).contains(l))
            .ok_or_else(|| format!("skill level \"{level}\" of {name} is not 1 to 10"))?;
        if name.is_empty() || skills.insert(name.to_owned(), level).is_some() {
            return Err(format!("\"{item}\" is not a new skill name with a level, such as network:3"));
        }
    }
    Ok(skills)
}

/// The fields of one CSV line; `None` if a quote is not closed.
fn split_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_by_column_name_with_empty_fields_left_to_the_stream() {
        let text = "Handle_S,timestamp,skills,channel,priority\n\
                    300,2026-03-02T09:00:05Z,network:3 software:2,chat,P2\n\
                    \n\
                    ,2026-03-02T09:00:00Z,,,\n\
                    \"42.5\",\"2026-03-02T09:01:00Z\",\"network\",email,\"P\"\"3\"\n";
        let rows = read_arrivals_csv(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].at.to_string(), "2026-03-02T09:00:05Z");
        assert_eq!(rows[0].channel, Some(Channel::Chat));
        assert_eq!(rows[0].priority.as_deref(), Some("P2"));
        assert_eq!(rows[0].skills, Some([("network".to_owned(), 3), ("software".to_owned(), 2)].into()));
        assert_eq!(rows[0].handle_s, Some(300.0));
        assert_eq!(
            rows[1],
            RecordedArrival {
                at: "2026-03-02T09:00:00Z".parse().unwrap(),
                channel: None,
                priority: None,
                skills: None,
                handle_s: None,
                line: Some(4),
            }
        );
        assert_eq!(rows[2].skills, Some([("network".to_owned(), 1)].into()));
        assert_eq!(rows[2].priority.as_deref(), Some("P\"3"));
        assert_eq!(rows[2].handle_s, Some(42.5));
    }

    #[test]
    fn bad_fields_are_named_by_line_and_column() {
        let paths = |text: &str| -> Vec<String> {
            read_arrivals_csv(text).unwrap_err().problems().iter().map(|p| p.path().to_owned()).collect()
        };
        assert_eq!(paths(""), ["lines[1]"]);
        assert_eq!(paths("channel,handle_s\n"), ["lines[1]"]);
        assert_eq!(paths("timestamp,handel_s\n"), ["lines[1][1]"]);
        assert_eq!(paths("timestamp,timestamp\n"), ["lines[1][1]"]);
        let text = "timestamp,channel,skills,handle_s\n\
                    yesterday,chat,,60\n\
                    2026-03-02T09:00:00Z,fax,network:11,-1\n\
                    2026-03-02T09:00:00Z,chat\n\
                    \"2026-03-02T09:00:00Z,chat,,1\n\
                    ,chat,,1\n";
        assert_eq!(
            paths(text),
            [
                "lines[2].timestamp",
                "lines[3].channel",
                "lines[3].skills",
                "lines[3].handle_s",
                "lines[4]",
                "lines[5]",
                "lines[6].timestamp"
            ]
        );
    }
}
