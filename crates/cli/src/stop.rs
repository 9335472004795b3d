//! Ctrl-C and SIGTERM, listened for from the moment [`StopSignals::listen`] returns.
//!
//! Tokio installs a signal's handler when its listener is created (`tokio::signal::ctrl_c()`
//! only when its future is first polled): a command creates its listener before it announces
//! that it is ready or starts any work, so a signal that comes right after is never the default
//! one that kills the process mid-action.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// Listeners for SIGINT (Ctrl-C) and SIGTERM.
#[derive(Debug)]
pub struct StopSignals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl StopSignals {
    /// Starts listening now (inside the tokio runtime). A signal that cannot be listened for
    /// keeps its default action.
    pub fn listen() -> StopSignals {
        StopSignals {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// The next Ctrl-C or SIGTERM.
    pub async fn recv(&mut self) {
        async fn next(signal: &mut Option<Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = next(&mut self.interrupt) => {}
            () = next(&mut self.terminate) => {}
        }
    }
}
