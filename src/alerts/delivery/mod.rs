//! Delivery of fired alerts: macOS notifications (`macos.rs`). Delivery is best effort: it
//! never blocks or fails a run.

pub mod macos;
