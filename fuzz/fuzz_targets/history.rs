//! History lines from anywhere, and small histories replayed: errors are
//! fine, panics are not; replaying under one policy reproduces itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::Policy;
use tierwise::history::{self, Handling, History};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(history) = History::from_jsonl_str(text) else { return };
    assert_eq!(History::from_jsonl_str(&history.to_jsonl_string()).as_ref(), Ok(&history), "round trip");
    if history.records.len() <= 200 && history.roster.len() <= 20 {
        let policy = Policy::default().compile().expect("the default policy compiles");
        let _ = history::replay(&history, &[("p".to_owned(), policy)], Handling::Recorded);
    }
});
