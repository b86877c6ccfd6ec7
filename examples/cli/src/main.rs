//! `wacast`: the command line of the wacast SDK.
//!
//! `wacast decode HEX|-|@FILE` prints a captured frame (flags byte, optional zlib, one binary
//! node) as readable XML-like text.

mod decode;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode { input } => decode::run(&input),
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
