//! `wacast decode`: a frame in hex to readable text.

use std::io::Read;

use wacast::binary::{self, BinaryError, NodeTree};

/// Why a frame could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum DecodeCommandError {
    /// Reading stdin or the file failed.
    #[error("reading {source_name}: {error}")]
    Read {
        /// stdin or the path.
        source_name: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The input is not hex.
    #[error("input is not hex: {0}")]
    Hex(#[from] hex::FromHexError),
    /// The frame is malformed.
    #[error("malformed frame: {0}")]
    Frame(#[from] BinaryError),
}

/// Reads the frame named by `input` and renders it.
pub fn run(input: &str) -> Result<String, DecodeCommandError> {
    let text = match input {
        "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| DecodeCommandError::Read {
                    source_name: "stdin".into(),
                    error,
                })?;
            text
        }
        path if path.starts_with('@') => {
            std::fs::read_to_string(&path[1..]).map_err(|error| DecodeCommandError::Read {
                source_name: path[1..].to_owned(),
                error,
            })?
        }
        hex_text => hex_text.to_owned(),
    };
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let frame = hex::decode(cleaned)?;
    render(&frame)
}

/// Renders a frame: a header line with the flags, then the node.
pub fn render(frame: &[u8]) -> Result<String, DecodeCommandError> {
    let body = binary::unpack_frame(frame)?;
    let tree = NodeTree::decode(&body)?;
    let node = tree.root();
    let flags = frame.first().copied().unwrap_or(0);
    let compressed = if flags & binary::FLAG_COMPRESSED != 0 {
        format!(", zlib {} -> {} bytes", frame.len() - 1, body.len())
    } else {
        String::new()
    };
    Ok(format!(
        "<!-- frame: {} bytes, flags {flags:#04x}{compressed} -->\n{node}",
        frame.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_rejects() {
        let shown = run("00f80119").unwrap();
        assert!(shown.ends_with("<iq/>"), "{shown}");
        assert!(matches!(run("zz"), Err(DecodeCommandError::Hex(_))));
        assert!(matches!(run("00f8"), Err(DecodeCommandError::Frame(_))));
    }
}
