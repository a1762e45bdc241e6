//! Event and ticket JSON from anywhere: errors are fine, panics are not, and
//! whatever the fast path reads, the checked path (a JSON value first) reads
//! the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::{Event, Ticket, parse_roster};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(event) = Event::from_json_str(text) {
        let value: serde_json::Value = serde_json::from_str(text).expect("an accepted event is JSON");
        assert_eq!(Event::from_value(value).ok(), Some(event), "{text}");
    }
    if let Ok(ticket) = Ticket::from_json_str(text) {
        let value: serde_json::Value = serde_json::from_str(text).expect("an accepted ticket is JSON");
        assert_eq!(serde_json::from_value::<Ticket>(value).ok(), Some(ticket), "{text}");
    }
    let _ = parse_roster(text);
});
