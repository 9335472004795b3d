//! What the test suites share, so that each states only what it is about:
//! - [`Cloud`]: the Nova and Keystone doubles as one cloud (Keystone's catalog points at the
//!   Nova double), with the views the tests judge by;
//! - [`migrate`]: the migrate component compiled once per test binary, its parameters, and the
//!   shapes of its phases' answers.

mod cloud;
pub mod migrate;

pub use cloud::{ADMIN, Cloud, admin_credentials};
