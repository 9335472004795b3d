//! `wasm-action`: run OpenStack Watcher actions as sandboxed WebAssembly components.

#[macro_use]
mod out;

mod apply;
mod cloud;
mod commands;
mod demo;
mod exit;
mod jobs;
mod logging;
mod migrate;
mod nova;
mod plugins;
mod render;
mod run;
mod serve;
mod stand_in;
mod stop;
mod trust;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = commands::Args::parse();
    logging::init(args.log_format, args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::HOST_ERROR);
        }
    };
    ExitCode::from(runtime.block_on(commands::dispatch(args)))
}
