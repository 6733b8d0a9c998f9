//! `eproc-a2f policy`: enterprise policy templates (owned by the admin-deployment work).

use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct PolicyArgs {}

pub fn run(_args: PolicyArgs) -> Result<()> {
    anyhow::bail!("not implemented yet")
}
