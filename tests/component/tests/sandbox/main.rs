//! The sandbox: hostile plugins (built like the real guest) are stopped with the right error,
//! a normal call right after succeeds, and every permission has a denial twin.

mod bench;
mod budget;
mod credentials;
mod hostile;
mod limits;
mod privilege;
mod tls;
