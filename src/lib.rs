//! omnilint: finds dead ends, channel mismatches and contradictory rules in multichannel
//! customer-service policies.
#![warn(missing_docs)]

// pest's generated parser names `alloc` directly when pest is built without `std` (see
// Cargo.toml: its stack guard is not needed, nesting is bounded before parsing).
extern crate alloc;

pub mod analysis;
pub mod baseline;
pub mod checks;
pub mod config;
pub mod diagnostic;
pub mod lint;
pub mod model;
pub mod render;
pub mod source;
pub mod suppress;
pub mod syntax;
