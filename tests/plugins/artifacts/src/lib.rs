//! The hostile test plugins as component bytes, built by `build.rs` from `../<name>` for
//! `wasm32-wasip2`. Each misbehaves in `execute` only; its other phases answer normally.
#![deny(missing_docs)]

/// Loops forever in `execute` without calling the host.
pub const SPIN: &[u8] = include_bytes!(env!("HOSTILE_SPIN_WASM"));

/// Allocates and fills 1 MiB blocks in `execute`, keeping them all, until it traps.
pub const MEMORY_BOMB: &[u8] = include_bytes!(env!("HOSTILE_MEMORY_BOMB_WASM"));

/// Panics in `execute` with `hostile plugin: deliberate panic`.
pub const PANIC: &[u8] = include_bytes!(env!("HOSTILE_PANIC_WASM"));

/// GETs the `url` parameter in `execute`: `denied` with the message
/// `ErrorCode::HttpRequestDenied` when the host refuses, `transport` on other failures,
/// `reached <url> with status <n>` on an answer.
pub const FORBIDDEN_HOST: &[u8] = include_bytes!(env!("HOSTILE_FORBIDDEN_HOST_WASM"));

/// GETs `<compute-endpoint>/servers` with `X-Auth-Token: forged-token` in `execute`; errors and
/// outcome as [`FORBIDDEN_HOST`].
pub const FORGED_AUTH: &[u8] = include_bytes!(env!("HOSTILE_FORGED_AUTH_WASM"));

/// GETs `<compute-endpoint><path>` (`path` parameter, default `/huge`) in `execute` and counts
/// the whole body: `read <n> bytes from <url>`, or `transport` when the read fails.
pub const HUGE_RESPONSE: &[u8] = include_bytes!(env!("HOSTILE_HUGE_RESPONSE_WASM"));

/// Exports `openstack:actions@0.2.0` instead of `@0.1.0`: the host must refuse to load it.
pub const WRONG_CONTRACT: &[u8] = include_bytes!(env!("HOSTILE_WRONG_CONTRACT_WASM"));

/// A normal plugin: GETs `<compute-endpoint>/servers/<resource_id>` in `execute` and returns
/// `status <n>`.
pub const WELL_BEHAVED: &[u8] = include_bytes!(env!("HOSTILE_WELL_BEHAVED_WASM"));

/// Reaches through Rust std for the environment, the arguments, the working directory, `/`,
/// `/etc/passwd`, `/tmp/snoop`, a TCP connection to the `addr` parameter and a lookup of
/// `localhost` in `execute`; returns `snooped` with what each gave (`error: <message>` on
/// failure) as details `{"env", "args", "cwd", "read_root", "read_file", "write_file", "tcp",
/// "dns"}`.
pub const SNOOP: &[u8] = include_bytes!(env!("HOSTILE_SNOOP_WASM"));

/// Every plugin above by its short name (the package name without `hostile-`).
pub const ALL: &[(&str, &[u8])] = &[
    ("spin", SPIN),
    ("memory-bomb", MEMORY_BOMB),
    ("panic", PANIC),
    ("forbidden-host", FORBIDDEN_HOST),
    ("forged-auth", FORGED_AUTH),
    ("huge-response", HUGE_RESPONSE),
    ("wrong-contract", WRONG_CONTRACT),
    ("well-behaved", WELL_BEHAVED),
    ("snoop", SNOOP),
];
