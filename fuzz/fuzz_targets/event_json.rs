//! Event and ticket JSON from anywhere: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::{Event, Ticket, parse_roster};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Event::from_json_str(text);
    let _ = Ticket::from_json_str(text);
    let _ = parse_roster(text);
});
