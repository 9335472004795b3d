//! What the test suites share, so that each states only what it is about:
//! - [`Cloud`]: the Nova and Keystone doubles as one cloud (Keystone's catalog points at the
//!   Nova double), with the views the tests judge by;
//! - [`migrate`]: the migrate component compiled once per test binary, its parameters, and the
//!   shapes of its phases' answers;
//! - [`FaultyProxy`]: a proxy in front of Nova that fails as a load balancer does in an outage
//!   (503 pages, refused connections, resets before or after upstream saw the request).

pub mod actions;
mod cloud;
pub mod migrate;
mod proxy;

pub use cloud::{ADMIN, Cloud, admin_credentials};
pub use proxy::{FaultyProxy, Rule};
