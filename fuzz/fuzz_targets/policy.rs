//! Policy text in any format, compiled, then a ticket triaged: errors are
//! fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::policy::Format;
use tierwise::{Policy, Ticket};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [Format::Json, Format::Toml, Format::Yaml] {
        if let Ok(policy) = Policy::from_str_as(text, format)
            && let Ok(compiled) = policy.compile()
        {
            let ticket = Ticket::from_json_str(
                r#"{"id": "T", "created_at": "2026-03-06T16:30:00Z", "channel": "email", "impact": "high"}"#,
            )
            .expect("valid ticket");
            let _ = compiled.triage(&ticket, "2026-03-09T10:00:00Z".parse().expect("instant"));
        }
    }
});
