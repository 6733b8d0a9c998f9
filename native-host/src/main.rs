//! `eproc-a2f`: started by a browser it is the native-messaging host; started by a person it is
//! the command line. Both drive `eproc-a2f-core` over the same keyring-backed vault.

use std::process::ExitCode;

use eproc_a2f::{cli, config, host};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(caller) = config::Caller::from_args(&args) {
        return ExitCode::from(host::run(caller) as u8);
    }
    // The CLI handles keys too (add, export): same protections as the host.
    host::no_core_dumps();
    let lang = cli::lang_from_env();
    let parsed = cli::parse(lang);
    match cli::run(parsed, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match e.downcast_ref::<cli::UserError>() {
                Some(u) => eprintln!("eproc-a2f: {u}"),
                None => eprintln!("eproc-a2f: {e:#}"),
            }
            ExitCode::from(1)
        }
    }
}
