//! Behaviour of the Nova double, checked against the recorded sessions with real Nova 34
//! (`tests/nova-double/recordings/compute-api-34.md` and `server-actions-34.md`), one behaviour
//! per test.

mod admin;
mod api;
mod cold;
mod common;
mod faults;
mod flavors;
mod hypervisors;
mod listing;
mod live;
mod metadata;
mod resize;
mod shelve;
