//! `wasm-action nova-stand-in`: ready when it says so, and stopped gracefully by a signal that
//! comes at once (its handler is in place before the ready line).

use crate::bench::Cli;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[tokio::test]
async fn sigterm_right_after_the_ready_line_stops_the_stand_in_with_its_counts() {
    let cli = Cli::start().await;
    for round in 0..5 {
        let mut command = cli.command(&["nova-stand-in", "--servers", "2"], &[]);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let pid = child.id().to_string();
        let lines = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut ready = String::new();
            let _ = reader.read_line(&mut ready);
            // Our own child, by its pid, the moment it says it is ready.
            let killed = std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill");
            assert!(killed.success());
            let mut last = String::new();
            let _ = reader.read_line(&mut last);
            (ready, last)
        })
        .await
        .expect("join");
        let status = tokio::task::spawn_blocking(move || child.wait().expect("exits"))
            .await
            .expect("join");
        assert_eq!(status.code(), Some(0), "round {round}: {lines:?}");
        let ready: Value = serde_json::from_str(&lines.0).expect("the ready line is JSON");
        assert_eq!(
            ready["servers"].as_array().map(Vec::len),
            Some(2),
            "{ready}"
        );
        let counts: Value = serde_json::from_str(&lines.1).expect("the last line is JSON");
        assert_eq!(counts["requests"], 0, "{counts}");
    }
}
