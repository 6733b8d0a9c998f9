//! The `eproc-a2f` binary's library: native-messaging host, keyring store, CLI and installers.
//! The binary (`main.rs`) only chooses between host mode and CLI mode.

pub mod cli;
pub mod config;
pub mod doctor;
pub mod framing;
pub mod host;
pub mod import_cmd;
pub mod install;
pub mod policy;
pub mod store;
pub mod store_cmd;
