//! `wacast`: the command line of the wacast SDK.
//!
//! `wacast decode HEX|-|@FILE` prints a captured frame (flags byte, optional zlib, one binary
//! node) as readable XML-like text; `wacast sandbox --listen ADDR` runs the protocol sandbox.

mod decode;
mod sandbox;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// wacast: WhatsApp multi-device SDK tools.
#[derive(Parser)]
#[command(name = "wacast", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a binary frame as a node.
    ///
    /// INPUT is the frame in hex (flags byte first, e.g. `00f80119`), `-` to read hex from
    /// stdin, or `@PATH` to read hex from a file. Whitespace in the hex is ignored.
    Decode {
        /// The frame: hex, `-` for stdin, or `@PATH`.
        input: String,
    },
    /// Run the protocol sandbox: a local WhatsApp-compatible server.
    ///
    /// Prints one JSON line (`ws_url`, `control_url`, `root_public_key` in base64) and serves
    /// until interrupted. The control API is under `control_url`.
    Sandbox {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode { input } => decode::run(&input).map_err(|e| e.to_string()),
        Command::Sandbox { listen } => sandbox::run(listen).map_err(|e| e.to_string()),
    };
    match result {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wacast: {error}");
            ExitCode::FAILURE
        }
    }
}
