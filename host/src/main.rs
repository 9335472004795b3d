//! `wasm-action`: run OpenStack Watcher actions as sandboxed WebAssembly components.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    cli::logging::init(args.log_format, args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(cli::exit::HOST_ERROR);
        }
    };
    ExitCode::from(runtime.block_on(cli::dispatch(args)))
}
