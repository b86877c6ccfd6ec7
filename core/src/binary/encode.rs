//! The encoder: an owned [`Node`] to bytes.

use super::packed::PackKind;
use super::token::{self, Token, marker};
use super::{BinaryError, Content, MAX_DEPTH, Node};
use crate::jid::Server;

/// Longest string the encoder considers writing as a JID.
const MAX_JID_STRING_LEN: usize = 48;

impl Node {
    /// Appends the encoding of this node (no flags byte) to `out`.
    ///
    /// Fails only for nodes no peer could read: more than 65535 list entries, content larger
    /// than 4 GiB, or nesting deeper than [`super::MAX_DEPTH`].
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), BinaryError> {
        write_node(self, out, 1)
    }
}

fn write_list_start(len: usize, out: &mut Vec<u8>) -> Result<(), BinaryError> {
    if len == 0 {
        out.push(marker::LIST_EMPTY);
    } else if len < 256 {
        out.extend_from_slice(&[marker::LIST_8, len as u8]);
    } else if len <= u16::MAX as usize {
        out.push(marker::LIST_16);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        return Err(BinaryError::TooLarge {
            what: "node list",
            len,
            limit: u16::MAX as usize,
        });
    }
    Ok(())
}

fn write_node(node: &Node, out: &mut Vec<u8>, depth: usize) -> Result<(), BinaryError> {
    if depth > MAX_DEPTH {
        return Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH });
    }
    let has_content = !matches!(node.content, Content::Empty);
    let size = 1 + 2 * node.attrs.len() + usize::from(has_content);
    write_list_start(size, out)?;
    write_name(&node.tag, out)?;
    for (key, value) in &node.attrs {
        write_name(key, out)?;
        write_string(value, out)?;
    }
    match &node.content {
        Content::Empty => {}
        Content::Nodes(children) => {
            write_list_start(children.len(), out)?;
            for child in children {
                write_node(child, out, depth + 1)?;
            }
        }
        Content::Bytes(bytes) => write_binary(bytes, out)?,
        // `LIST_EMPTY` would read back as "no content": write an empty string as empty bytes.
        Content::Text(text) if text.is_empty() => write_binary(&[], out)?,
        Content::Text(text) => write_string(text, out)?,
    }
    Ok(())
}

fn write_binary(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), BinaryError> {
    let len = bytes.len();
    if len < 256 {
        out.extend_from_slice(&[marker::BINARY_8, len as u8]);
    } else if len < 1 << 20 {
        out.extend_from_slice(&[
            marker::BINARY_20,
            (len >> 16) as u8 & 0x0f,
            (len >> 8) as u8,
            len as u8,
        ]);
    } else if let Ok(len32) = u32::try_from(len) {
        out.push(marker::BINARY_32);
        out.extend_from_slice(&len32.to_be_bytes());
    } else {
        return Err(BinaryError::TooLarge {
            what: "binary value",
            len,
            limit: u32::MAX as usize,
        });
    }
    out.extend_from_slice(bytes);
    Ok(())
}

/// Writes a tag or attribute key: like a value, but never as a JID (peers reject JID names).
fn write_name(s: &str, out: &mut Vec<u8>) -> Result<(), BinaryError> {
    write_string_as(s, out, false)
}

/// Writes a string in the smallest form that decodes back to it: empty, token, packed, JID,
/// or raw.
fn write_string(s: &str, out: &mut Vec<u8>) -> Result<(), BinaryError> {
    write_string_as(s, out, true)
}

fn write_string_as(s: &str, out: &mut Vec<u8>, allow_jid: bool) -> Result<(), BinaryError> {
    if s.is_empty() {
        out.push(marker::LIST_EMPTY);
        return Ok(());
    }
    if let Some(token) = token::lookup(s) {
        match token {
            Token::Single(byte) => out.push(byte),
            Token::Double(dict, index) => {
                out.extend_from_slice(&[marker::DICTIONARY_0 + dict, index])
            }
        }
        return Ok(());
    }
    if let Some(kind) = PackKind::for_str(s) {
        out.push(match kind {
            PackKind::Nibble => marker::NIBBLE_8,
            PackKind::Hex => marker::HEX_8,
        });
        kind.pack(s, out);
        return Ok(());
    }
    if allow_jid && s.len() <= MAX_JID_STRING_LEN && write_jid_string(s, out)? {
        return Ok(());
    }
    write_binary(s.as_bytes(), out)
}

/// Writes `s` as a wire JID when that is lossless; returns `false` (writing nothing) otherwise,
/// so the caller writes it raw: unknown servers, devices a form cannot carry, odd users.
fn write_jid_string(s: &str, out: &mut Vec<u8>) -> Result<bool, BinaryError> {
    let Some((user, server_name)) = s.rsplit_once('@') else {
        return Ok(false);
    };
    let Some(server) = Server::from_name(server_name) else {
        return Ok(false);
    };
    if user.contains('@') {
        return Ok(false);
    }
    match user.split_once(':') {
        None => {
            out.push(marker::JID_PAIR);
            write_string(user, out)?;
            write_string(server_name, out)?;
        }
        Some((bare, device)) if server.has_devices() => {
            let (Ok(device), false) = (device.parse::<u8>(), device.starts_with('+')) else {
                return Ok(false);
            };
            if device.to_string() != user[bare.len() + 1..] {
                return Ok(false); // "01" would not come back as written
            }
            let domain = match server {
                Server::Lid => 1,
                Server::Hosted => 128,
                Server::HostedLid => 129,
                _ => 0,
            };
            out.extend_from_slice(&[marker::AD_JID, domain, device]);
            write_string(bare, out)?;
        }
        Some((bare, device)) if server == Server::Messenger => {
            let Ok(device) = device.parse::<u16>() else {
                return Ok(false);
            };
            if device.to_string() != user[bare.len() + 1..] {
                return Ok(false);
            }
            out.push(marker::FB_JID);
            write_string(bare, out)?;
            out.extend_from_slice(&device.to_be_bytes());
            write_string(server_name, out)?;
        }
        // A device on a server whose wire form has none: keep the string as it is.
        Some(_) => return Ok(false),
    }
    Ok(true)
}
