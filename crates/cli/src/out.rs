//! Writing to stdout and stderr without panicking on a closed pipe.
//!
//! `println!` panics when the reader has gone (`wasm-action run --phase schema | head -1`).
//! Rust ignores SIGPIPE, and we keep it that way rather than resetting it to the default: the
//! same process writes to sockets (Nova, Keystone, `serve`'s clients), where a peer that hangs
//! up must be an error to handle, not a signal that kills the process. So every line goes
//! through here: on stdout, a reader that has gone ends the process quietly with the status a
//! shell shows for a process stopped by SIGPIPE (141); on stderr there is nobody left to tell,
//! so the line is dropped and the command goes on to its own exit code.

use std::fmt::Arguments;
use std::io::{ErrorKind, Write};

/// The exit status of a process ended by SIGPIPE, as shells report it (128 + 13).
pub const BROKEN_PIPE: i32 = 141;

/// Writes one line to stdout; exits quietly with [`BROKEN_PIPE`] when nobody reads it any more.
pub fn stdout_line(args: Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(BROKEN_PIPE),
        // A full disk or a closed descriptor: nothing better to do than go on quietly.
        Err(_) => {}
    }
}

/// Writes one line to stderr; a write that fails is dropped.
pub fn stderr_line(args: Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_fmt(args)
        .and_then(|()| stderr.write_all(b"\n"));
}

/// `println!` that ends the process quietly when stdout's reader has gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::stdout_line(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::stderr_line(format_args!($($arg)*))
    };
}
