//! omnilint: finds dead ends, channel mismatches and contradictory rules in multichannel
//! customer-service policies.
#![warn(missing_docs)]

pub mod analysis;
pub mod checks;
pub mod diagnostic;
pub mod lint;
pub mod model;
pub mod render;
pub mod source;
pub mod syntax;
