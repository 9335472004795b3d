//! Reaches, through Rust std, for everything a sandbox must not give: the environment, the
//! arguments, the working directory, the filesystem, TCP and name lookup.
//!
//! Returns `snooped` with details `{"env", "args", "cwd", "read_root", "read_file",
//! "write_file", "tcp", "dns"}`: each what std answered, or `error: <message>` when it failed.
//! `env` and `args` are lists (`KEY=VALUE` strings for `env`); `read_root` and `dns` are lists
//! on success; `read_file` is `ok` on success, never the file's content. `read_root` lists `/`,
//! `read_file` reads `/etc/passwd`, `write_file` writes `/tmp/snoop`, `dns` looks up
//! `localhost`, and `tcp` connects to the `addr` parameter (`<ip>:<port>`).
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::params::required_string;
use hostile_common::{ActionError, Context, Hostile, Outcome, outcome};
use serde_json::{Value, json};
use std::fmt::Display;
use std::net::{TcpStream, ToSocketAddrs};

/// The file `read_file` reads.
const SECRET_FILE: &str = "/etc/passwd";

/// The file `write_file` writes.
const SCRATCH_FILE: &str = "/tmp/snoop";

/// The name `dns` looks up, with a port as `ToSocketAddrs` wants.
const LOOKUP: &str = "localhost:80";

struct Snoop;

impl Hostile for Snoop {
    const BEHAVIOUR: &'static str = "reaches for the environment, files and sockets";

    fn execute(_ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let addr = required_string(&params, "addr")?;
        let env: Vec<String> = std::env::vars()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let args: Vec<String> = std::env::args().collect();
        let cwd = answer(std::env::current_dir(), |dir| {
            Value::String(dir.display().to_string())
        });
        let read_root = answer(std::fs::read_dir("/"), |entries| {
            entries
                .map(|entry| match entry {
                    Ok(entry) => Value::String(entry.file_name().to_string_lossy().into_owned()),
                    Err(e) => error(e),
                })
                .collect()
        });
        // Only whether the read worked: the content must not leave the plugin.
        let read_file = answer(std::fs::read_to_string(SECRET_FILE), |_| ok("ok"));
        let write_file = answer(std::fs::write(SCRATCH_FILE, b"x"), |()| ok("ok"));
        let tcp = answer(TcpStream::connect(addr.as_str()), |_| ok("connected"));
        let dns = answer(LOOKUP.to_socket_addrs(), |addrs| {
            addrs.map(|a| Value::String(a.to_string())).collect()
        });
        let details = json!({
            "env": env,
            "args": args,
            "cwd": cwd,
            "read_root": read_root,
            "read_file": read_file,
            "write_file": write_file,
            "tcp": tcp,
            "dns": dns,
        });
        Ok(outcome("snooped".into(), details.to_string()))
    }
}

/// What `result` gave, through `show` on success, `error: <message>` on failure.
fn answer<T, E: Display>(result: Result<T, E>, show: impl FnOnce(T) -> Value) -> Value {
    match result {
        Ok(value) => show(value),
        Err(e) => error(e),
    }
}

/// `error: <e>`.
fn error(e: impl Display) -> Value {
    Value::String(format!("error: {e}"))
}

/// A fixed word for a success.
fn ok(word: &str) -> Value {
    Value::String(word.into())
}

hostile_common::export!(Snoop);
