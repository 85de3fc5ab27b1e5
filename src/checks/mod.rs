//! The checks: one file per check, plus the registry that lists them.
//!
//! The E checks are reported by the front end (`syntax` and `model`) while a policy is read;
//! their files hold their metadata and documentation so that every check, whoever reports
//! it, is registered and documented the same way.

mod registry;

pub mod action_breaks_invariant;
pub mod ambiguous_transition;
pub mod analysis_incomplete;
pub mod assertion_violated;
pub mod cannot_succeed;
pub mod channel_cannot_perform;
pub mod contradictory_invariants;
pub mod dead_end_state;
pub mod dead_transition;
pub mod duplicate_definition;
pub mod entry_channel_cannot_complete;
pub mod entry_channel_stranded;
pub mod event_never_emitted;
pub mod forbid_never_applies;
pub mod forbidden_everywhere;
pub mod handoff_dead_end;
pub mod handoff_loop;
pub mod handoff_loses_context;
pub mod invalid_suppression;
pub mod malformed_process;
pub mod no_way_out;
pub mod policy_header;
pub mod redundant_forbid;
pub mod sla_unreachable;
pub mod stuck_customers;
pub mod syntax_error;
pub mod trigger_cycle;
pub mod trigger_forbidden;
pub mod type_mismatch;
pub mod unhandled_failure;
pub mod unknown_name;
pub mod unreachable_state;
pub mod unsatisfiable_condition;
pub mod unused_capability;
pub mod unused_suppression;

pub(crate) use registry::declare_check;
pub use registry::{
    Check, CheckMeta, Context, Group, REGISTRY, Run, Scope, Shard, did_you_mean, lookup,
};
