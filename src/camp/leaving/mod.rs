//! Leaving and looking after a camp over the years: a camper's export and import of
//! their data, deleting an account, and the figures `status` reports.

pub mod account;
pub mod export;
pub mod import;
pub mod status;
mod tarball;
