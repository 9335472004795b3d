//! The Nova action family: each built-in action, built for wasm32-wasip2, in the real host
//! against the Nova double. Every test checks what Nova ends up holding (server status,
//! services, the requests it received), not only the action's answer.

mod harness;

mod family;
mod nop;
mod resize;
mod service_state;
mod shelve;
mod sleep;
mod stop;
