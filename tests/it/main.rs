//! Integration tests: one binary (fast to link), one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agreement;
mod agreement_channels;
mod agreement_decide;
mod agreement_loops;
mod agreement_rules;
mod bad_input;
mod budget;
mod cli;
mod conditions;
mod decide;
mod fixtures;
mod gate;
mod human;
mod reference;
mod registry;
mod stories;
mod support;
mod yaml;
