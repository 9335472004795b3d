//! Component tests: the real `migrate` component, built for wasm32-wasip2, runs in the real
//! host against the Nova double. Every test checks what Nova ends up holding (server host and
//! status, migration records, requests received), not only the action's answer.

mod harness;

mod abort;
mod cold;
mod faults;
mod live;
mod outage;
mod params;
mod post_condition;
mod pre_condition;
mod proxy;
mod revert;
mod sandbox;
