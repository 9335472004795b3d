//! The runtime across calls and restarts: the compilation cache, the plugin registry and hot
//! swap under load, the watched plugin directory, and trusted plugins.

mod cache;
mod registry;
mod trust;
mod watch;

use std::cell::RefCell;
use std::sync::Once;

/// A variant of a component with different bytes but the same behaviour: a custom section
/// appended at the component level (id 0, a name, a payload) changes its digest.
pub fn variant(wasm: &[u8], label: &str) -> Vec<u8> {
    let name = b"watcher-wasm-test-variant";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name);
    payload.extend_from_slice(label.as_bytes());
    let mut out = wasm.to_vec();
    out.push(0);
    let mut size = payload.len();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(&payload);
    out
}

/// Captures what the host logs on this thread while `f` runs. One global subscriber writes
/// each thread's events to that thread's buffer, so tests running in parallel do not interfere
/// (a scoped subscriber would race with tracing's per-callsite interest cache).
pub fn logs_of<T>(f: impl FnOnce() -> T) -> (T, String) {
    thread_local! {
        static CAPTURED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    struct ThreadBuffer;
    impl std::io::Write for ThreadBuffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            CAPTURED.with(|c| c.borrow_mut().extend_from_slice(bytes));
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(|| ThreadBuffer)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
    });
    CAPTURED.with(|c| c.borrow_mut().clear());
    let result = f();
    let text = CAPTURED.with(|c| String::from_utf8_lossy(&c.borrow()).into_owned());
    (result, text)
}
