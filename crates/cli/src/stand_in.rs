//! `wasm-action nova-stand-in`: serves the Nova test double until Ctrl-C or SIGTERM, for plugin
//! authors and for test suites in other languages.

use crate::exit;
use clap::ValueEnum;
use nova_double::{Config, NovaDouble, ServerSpec, Timings};
use std::net::{Ipv4Addr, SocketAddr};

/// Arguments of `nova-stand-in`.
#[derive(Debug, clap::Args)]
pub struct StandInArgs {
    /// How long Nova's steps take: realistic (as measured on Nova 34) or fast.
    #[arg(long, value_enum, default_value_t = Speed::Realistic)]
    pub timings: Speed,
    /// How many ACTIVE servers to boot, spread over compute1..3.
    #[arg(long, default_value_t = 0)]
    pub servers: usize,
    /// Answer at most this many requests a second and 429 beyond, as a rate-limiting proxy in
    /// front of nova-api does (the count of 429s is logged when it stops).
    #[arg(long, value_name = "R")]
    pub max_rate: Option<u32>,
    /// Port on 127.0.0.1 (0: any free port; the ready line tells which).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// Step durations of the stand-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Speed {
    /// migrate → VERIFY_RESIZE ≈ 1.2 s, confirm ≈ 0.4 s, as on a small real cloud.
    Realistic,
    /// Every step a few tens of milliseconds.
    Fast,
}

impl Speed {
    /// The stand-in's timings for this speed.
    pub fn timings(self) -> Timings {
        match self {
            Speed::Realistic => Timings::realistic(),
            Speed::Fast => Timings::fast(),
        }
    }
}

/// Serves until stopped; prints one JSON line `{"endpoint", "hosts", "servers"}` when ready,
/// and one `{"requests", "rate_limited", "busiest_second"}` when stopped.
pub async fn stand_in(args: StandInArgs) -> u8 {
    let mut stop = crate::stop::StopSignals::listen();
    let config = Config {
        timings: args.timings.timings(),
        max_requests_per_second: args.max_rate,
        ..Config::default()
    };
    let hosts = config.hosts.clone();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let nova = match NovaDouble::start_on(config, addr).await {
        Ok(nova) => nova,
        Err(e) => {
            errln!("error: cannot listen on {addr}: {e}");
            return exit::HOST_ERROR;
        }
    };
    let servers: Vec<String> = (0..args.servers)
        .map(|i| {
            nova.add_server(
                ServerSpec::active(&hosts[i % hosts.len()]).named(&format!("server-{}", i + 1)),
            )
        })
        .collect();
    outln!(
        "{}",
        serde_json::json!({"endpoint": nova.endpoint(), "hosts": hosts, "servers": servers})
    );
    stop.recv().await;
    // What a load test wants to know once it is over, as a second JSON line.
    outln!(
        "{}",
        serde_json::json!({"requests": nova.requests().len(),
            "rate_limited": nova.rate_limited(), "busiest_second": nova.busiest_second()})
    );
    nova.shutdown();
    exit::SUCCESS
}
