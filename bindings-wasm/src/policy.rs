//! `new Policy(doc)`: a compiled policy, from JSON text or a plain object.

use tierwise::{CompiledPolicy, Policy};
use wasm_bindgen::prelude::*;

use crate::convert::{document_format, document_text, output};
use crate::errors::{Failure, ProblemOut};
use crate::guard;

/// Compiles a policy from JSON text (the Rust tests also pass TOML, which
/// their build reads).
///
/// # Errors
/// Every problem of the document, with its field path.
pub fn compile_text(text: &str) -> Result<CompiledPolicy, Failure> {
    let policy = Policy::from_str_as(text, document_format(text, "a policy")?)?;
    Ok(policy.compile()?)
}

/// A checked, compiled policy (read-only; share it between calls).
#[wasm_bindgen(js_name = Policy)]
pub struct JsPolicy {
    pub(crate) compiled: CompiledPolicy,
}

#[wasm_bindgen(js_class = Policy)]
impl JsPolicy {
    /// Compiles a policy document: JSON text or a plain object (convert TOML
    /// or YAML with `tierwise convert FILE`).
    /// Throws a `TierwiseError` naming every problem's field path.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string | PolicyDocument")] document: JsValue,
    ) -> Result<JsPolicy, JsValue> {
        guard(|| {
            let text = document_text(&document, "a policy", "")?;
            Ok(JsPolicy { compiled: compile_text(&text)? })
        })
    }

    /// Legal but suspicious choices (rules that never match, classes without
    /// an SLA rule), each with its field path.
    #[wasm_bindgen(getter, unchecked_return_type = "Problem[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        guard(|| output(&self.compiled.warnings().iter().map(ProblemOut::from).collect::<Vec<_>>()))
    }

    /// Priority classes, most critical first.
    #[wasm_bindgen(getter, js_name = priorityClasses)]
    pub fn priority_classes(&self) -> Vec<String> {
        self.compiled.priority_classes().to_vec()
    }

    /// Impact levels, most severe first.
    #[wasm_bindgen(getter, js_name = impactLevels)]
    pub fn impact_levels(&self) -> Vec<String> {
        self.compiled.impact_levels().to_vec()
    }

    /// Urgency levels, most severe first.
    #[wasm_bindgen(getter, js_name = urgencyLevels)]
    pub fn urgency_levels(&self) -> Vec<String> {
        self.compiled.urgency_levels().to_vec()
    }

    /// Customer tiers, least important first.
    #[wasm_bindgen(getter, js_name = customerTiers)]
    pub fn customer_tiers(&self) -> Vec<String> {
        self.compiled.customer_tiers().to_vec()
    }

    /// Known ticket categories (empty: any category is accepted).
    #[wasm_bindgen(getter)]
    pub fn categories(&self) -> Vec<String> {
        self.compiled.source().categories.clone()
    }

    /// Support tiers, first line first.
    #[wasm_bindgen(getter)]
    pub fn tiers(&self) -> Vec<String> {
        self.compiled.tiers().to_vec()
    }

    /// Calendar names, `"24x7"` first.
    #[wasm_bindgen(getter)]
    pub fn calendars(&self) -> Vec<String> {
        self.compiled.calendars().iter().map(|c| c.name().to_owned()).collect()
    }

    /// The policy document, in its canonical JSON form.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "PolicyDocument")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        guard(|| output(self.compiled.source()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_every_format() {
        let toml = include_str!("../../examples/policies/global-desk.toml");
        let p = compile_text(toml).unwrap();
        assert_eq!(p.priority_classes()[0], "P1");
        let json = p.source().to_json_string();
        assert_eq!(compile_text(&json).unwrap().source(), p.source());
        assert!(compile_text("version: 1\ntiers: [L1, L2]\n").is_ok());
    }

    #[test]
    fn problems_have_paths() {
        let err = compile_text(r#"{"version": 1, "sla": {"policies": [{"first_response": "soon"}]}}"#).err().unwrap();
        assert!(err.path().starts_with("sla.policies[0]"), "{err}");
    }
}
