//! Cross-crate integration and property tests, built as one binary.

mod business_time;
mod engine_properties;
mod engine_rules;
mod examples;
mod history;
mod preview;
mod queue_order;
mod reading;
mod sim;
mod sla_properties;
