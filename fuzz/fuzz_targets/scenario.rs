//! Scenario text in any format, checked against the default policy: errors
//! are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::Policy;
use tierwise::policy::Format;
use tierwise::sim::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let policy = Policy::default().compile().expect("the default policy compiles");
    for format in [Format::Json, Format::Toml, Format::Yaml] {
        if let Ok(scenario) = Scenario::from_str_as(text, format) {
            let _ = scenario.check(&policy);
        }
    }
});
