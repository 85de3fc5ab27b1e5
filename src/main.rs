//! The `omnilint` command. Everything it decides is in `cli`; this only maps the outcome to
//! an exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(error) => {
            anstream::eprintln!("omnilint: error: {error}");
            ExitCode::from(2)
        }
    }
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
