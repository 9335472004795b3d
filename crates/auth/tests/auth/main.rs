//! Behaviour of `cloud-auth`: resolving credentials, talking to a Keystone double, and never
//! showing a secret. One test binary, several modules, to keep linking cheap.

mod resolve;
mod secrets;
mod service;
mod session;
mod support;
mod validate;
