//! `simulate(scenario)`: small what-if staffing runs of the real engine. In
//! the browser the replications run one after another on the calling thread,
//! so keep scenarios small (hours or days, not months).

use tierwise::sim::{self, Scenario};
use tierwise::{CompiledPolicy, Policy};
use wasm_bindgen::prelude::*;

use crate::convert::{document_format, document_text, from_json, to_json};
use crate::errors::Failure;
use crate::guard;
use crate::policy::JsPolicy;

/// Most replications one call runs in the browser.
pub const MAX_WASM_REPLICATIONS: u32 = 100;

/// Runs a scenario given as JSON text under `policy`, or under
/// the scenario's inline policy, or the default policy; the result as JSON.
///
/// # Errors
/// Every problem of the scenario with its field path; a scenario that names
/// a policy file (the browser has no files: pass a `Policy`); replications
/// outside `1..=MAX_WASM_REPLICATIONS`.
pub fn simulate_text(text: &str, policy: Option<&CompiledPolicy>, replications: u32) -> Result<String, Failure> {
    if replications == 0 || replications > MAX_WASM_REPLICATIONS {
        return Err(Failure::new(
            "invalid_value",
            "replications",
            format!("must be 1 to {MAX_WASM_REPLICATIONS} in the browser, not {replications}"),
        ));
    }
    let scenario = Scenario::from_str_as(text, document_format(text, "a scenario")?)?;
    let compiled;
    let policy = match (policy, scenario.inline_policy(), scenario.policy_file()) {
        (Some(p), _, _) => p,
        (None, Some(inline), _) => {
            compiled = inline.compile().map_err(|e| Failure::from(e).under("policy"))?;
            &compiled
        }
        (None, None, Some(file)) => {
            return Err(Failure::new(
                "invalid_value",
                "policy",
                format!("the scenario names the policy file {file:?}, which cannot be read here: pass a Policy"),
            ));
        }
        (None, None, None) => {
            compiled = Policy::default().compile()?;
            &compiled
        }
    };
    to_json(&sim::simulate(&scenario, policy, replications)?)
}

fn run(scenario: &JsValue, policy: Option<&CompiledPolicy>, replications: Option<u32>) -> Result<JsValue, JsValue> {
    guard(|| {
        let text = document_text(scenario, "a scenario", "")?;
        from_json(&simulate_text(&text, policy, replications.unwrap_or(1))?)
    })
}

/// Simulates a staffing scenario (object, or JSON text) under its
/// inline policy or the default one: service level, waits, abandonment and
/// occupancy, by priority, stream, tier and team, with 15-minute series.
/// Seeded: the same scenario gives the same figures, natively and here.
#[wasm_bindgen(unchecked_return_type = "SimulationResult")]
pub fn simulate(
    #[wasm_bindgen(unchecked_param_type = "string | ScenarioDocument")] scenario: JsValue,
    replications: Option<u32>,
) -> Result<JsValue, JsValue> {
    run(&scenario, None, replications)
}

#[wasm_bindgen(js_class = Policy)]
impl JsPolicy {
    /// [`simulate`] under this policy (it wins over the scenario's own).
    #[wasm_bindgen(unchecked_return_type = "SimulationResult")]
    pub fn simulate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | ScenarioDocument")] scenario: JsValue,
        replications: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        run(&scenario, Some(&self.compiled), replications)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
        [run]
        start = "2026-03-02T00:00:00Z"
        arrivals = 200
        seed = 3
        [[streams]]
        name = "calls"
        channel = "phone"
        per_hour = 60
        handle = { dist = "exponential", mean = "5m" }
        [[teams]]
        name = "desk"
        agents = 8
        tier = "L1"
        timezone = "UTC"
        shifts = "24/7"
    "#;

    #[test]
    fn small_runs_are_reproducible() {
        let a = simulate_text(SMALL, None, 2).unwrap();
        assert_eq!(a, simulate_text(SMALL, None, 2).unwrap());
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["overall"]["arrived"], 200.0);
    }

    #[test]
    fn refuses_files_and_huge_runs() {
        let with_file = format!("policy = \"desk.toml\"\n{SMALL}");
        assert_eq!(simulate_text(&with_file, None, 1).unwrap_err().path(), "policy");
        assert_eq!(simulate_text(SMALL, None, 0).unwrap_err().path(), "replications");
    }
}
