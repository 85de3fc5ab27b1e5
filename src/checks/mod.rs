//! The checks: one file per check, plus the registry that lists them.
//!
//! The E checks are reported by the front end (`syntax` and `model`) while a policy is read;
//! their files hold their metadata and documentation so that every check, whoever reports
//! it, is registered and documented the same way.

mod registry;

pub mod duplicate_definition;
pub mod malformed_process;
pub mod policy_header;
pub mod syntax_error;
pub mod type_mismatch;
pub mod unknown_name;

pub(crate) use registry::declare_check;
pub use registry::{CheckMeta, Group, REGISTRY, lookup};
