//! eproc-a2f core: the court registry, exact URL matching, key parsing, TOTP codes and the
//! extension <-> host protocol. No I/O: no clock, no files, no keyring, no stdin. The native host,
//! the WASM build and the tests all drive this same code.

pub mod display;
pub mod i18n;
pub mod import;
pub mod protocol;
pub mod rejection;
pub mod registry;
pub mod resolve;
pub mod secret;
pub mod service;
pub mod totp;

pub use i18n::Lang;
pub use registry::{Registry, System};
pub use resolve::{PageUrl, Resolution, ResolveError};
pub use secret::{parse_key, Algorithm, OtpAuth, Params, SecretKey};
pub use service::{Account, Context, MemoryVault, Vault, VaultError};

/// Version of this build, reported by `hello`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
