//! omnilint: finds dead ends, channel mismatches and contradictory rules in multichannel
//! customer-service policies, and decides requests against them at runtime with the same
//! semantics.
//!
//! Two entry points:
//!
//! - [`lint::check`] reads policy files (their contents: the library does no I/O) and returns a
//!   [`lint::Report`]: the typed model of every policy and the sorted findings, which
//!   [`render`] turns into text, JSON, SARIF, GitHub annotations or JUnit.
//! - [`engine::Engine`] is compiled once from a policy and answers, while a customer waits,
//!   whether a channel may perform an action now — and if not, every reason and where the
//!   customer could go instead.
//!
//! ```
//! use omnilint::engine::{Engine, Request};
//! use omnilint::lint::Input;
//!
//! let policy = r#"
//! policy shop
//! entity customer { claim_open: bool }
//! action suspend_line
//! channel phone { can suspend_line; records case }
//! channel web { }
//! rule claim_protection: forbid suspend_line when customer.claim_open
//! process dunning {
//!   entry phone, web
//!   start open
//!   state open { on suspend_line -> suspended }
//!   final suspended
//! }
//! "#;
//! let engine = Engine::load(
//!     vec![Input { name: "shop.omni".into(), contents: policy.into() }],
//!     None,
//! )?;
//! let request: Request = serde_json::from_str(r#"{
//!     "process": "dunning", "state": "open", "channel": "phone",
//!     "action": "suspend_line", "fields": { "customer.claim_open": true }
//! }"#)?;
//! let decision = engine.decide(&request)?;
//! assert!(!decision.allowed);
//! assert_eq!(
//!     serde_json::to_value(&decision.reasons[0])?["rule"],
//!     "claim_protection"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

// pest's generated parser names `alloc` directly when pest is built without `std` (see
// Cargo.toml: its stack guard is not needed, nesting is bounded before parsing).
extern crate alloc;

pub mod analysis;
pub mod baseline;
pub mod checks;
pub mod config;
pub mod diagnostic;
pub mod engine;
pub mod lint;
pub mod model;
mod parallel;
pub mod render;
pub mod source;
pub mod suppress;
pub mod syntax;
#[cfg(test)]
mod testing;
