//! The WhatsApp binary XML node codec.
//!
//! Every stanza on a WhatsApp connection is a *node*: a tag, ordered attributes, and content
//! (child nodes, bytes, or a string). On the wire a node is a compact binary form with token
//! dictionaries, packed digit strings and JID encodings; a *frame* is one flags byte (bit `0x02`:
//! the rest is zlib-compressed) followed by one node.
//!
//! - Build an owned [`Node`] and [`encode_frame`] it.
//! - Decode a frame without copying with [`unpack_frame`] + [`NodeTree::decode`] and walk it
//!   from [`NodeTree::root`] ([`NodeRef`]), or get an owned node with [`decode_frame`].
//!
//! Decoding is bounded: nesting is capped at [`MAX_DEPTH`], inflated frames at
//! [`MAX_INFLATED_LEN`], and no allocation is larger than the input can justify. Malformed
//! input gives a [`BinaryError`], never a panic.
//!
//! ```
//! use wacast::binary::{self, Node, NodeTree};
//!
//! let receipt = Node::new("receipt")
//!     .attr("id", "3EB0C1DF74739DAB646C7B")
//!     .attr("to", "15551234567@s.whatsapp.net");
//! let frame = binary::encode_frame(&receipt)?;
//! let body = binary::unpack_frame(&frame)?;
//! let tree = NodeTree::decode(&body)?;
//! let node = tree.root();
//! assert!(node.is("receipt"));
//! assert_eq!(node.jid_attr("to").map(|j| j.user), Some("15551234567".to_string()));
//! # Ok::<(), binary::BinaryError>(())
//! ```

mod decode;
mod display;
mod encode;
mod error;
mod node;
mod node_ref;
mod packed;
mod reader;
mod token;
mod token_table;
mod value;

use std::borrow::Cow;
use std::io::Read;

pub use display::MAX_SHOWN_BYTES;
pub use error::BinaryError;
pub use node::{Content, Node};
pub use node_ref::{AttrRef, Children, ContentRef, NodeRef, NodeTree};
pub use packed::{PackKind, Packed};
pub use value::{JidForm, JidRef, Text, ValueRef};

/// Deepest nesting of nodes the codec accepts.
pub const MAX_DEPTH: usize = 128;

/// Largest node a compressed frame may inflate to (the frame length field allows 16 MiB).
pub const MAX_INFLATED_LEN: usize = 32 << 20;

/// Largest encoded node the decoder accepts (node and attribute positions are kept as `u32`).
pub const MAX_NODE_LEN: usize = u32::MAX as usize;

/// Flags-byte bit: the node is zlib-compressed.
pub const FLAG_COMPRESSED: u8 = 0x02;

/// Encodes a frame: flags byte `0` (uncompressed) followed by the node.
pub fn encode_frame(node: &Node) -> Result<Vec<u8>, BinaryError> {
    let mut out = Vec::with_capacity(64);
    out.push(0);
    node.encode(&mut out)?;
    Ok(out)
}

/// Strips a frame's flags byte and inflates the node when it is compressed.
///
/// The result borrows from `frame` unless it had to be inflated.
pub fn unpack_frame(frame: &[u8]) -> Result<Cow<'_, [u8]>, BinaryError> {
    let (&flags, body) = frame.split_first().ok_or(BinaryError::EmptyFrame)?;
    if flags & FLAG_COMPRESSED == 0 {
        return Ok(Cow::Borrowed(body));
    }
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(body)
        .take(MAX_INFLATED_LEN as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|e| BinaryError::Zlib(e.to_string()))?;
    if inflated.len() > MAX_INFLATED_LEN {
        return Err(BinaryError::TooLarge {
            what: "inflated frame",
            len: inflated.len(),
            limit: MAX_INFLATED_LEN,
        });
    }
    Ok(Cow::Owned(inflated))
}

/// Decodes a whole frame (flags byte, optional zlib, one node) into an owned [`Node`].
pub fn decode_frame(frame: &[u8]) -> Result<Node, BinaryError> {
    let body = unpack_frame(frame)?;
    NodeTree::decode(&body).map(|tree| tree.root().to_owned_node())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_compressed_frame() {
        use std::io::Write;
        let node = Node::new("message")
            .attr("id", "ABC")
            .bytes(vec![7u8; 1000]);
        let plain = encode_frame(&node).unwrap();
        let mut z = flate2::write::ZlibEncoder::new(vec![FLAG_COMPRESSED], Default::default());
        z.write_all(&plain[1..]).unwrap();
        let compressed = z.finish().unwrap();
        assert_eq!(decode_frame(&compressed).unwrap(), node);
    }

    #[test]
    fn rejects_empty_and_leftover() {
        assert_eq!(decode_frame(&[]), Err(BinaryError::EmptyFrame));
        let mut frame = encode_frame(&Node::new("iq")).unwrap();
        frame.push(0);
        assert_eq!(
            decode_frame(&frame),
            Err(BinaryError::LeftoverData { remaining: 1 })
        );
    }

    #[test]
    fn nested_jid_markers_are_rejected_without_recursion() {
        // <x a=FB_JID(FB_JID(FB_JID(...)))>: found by fuzzing; must fail fast, not recurse.
        let mut frame = vec![0, marker_list8(), 3, 0xfc, 1, b'x', 0xfc, 1, b'a'];
        frame.extend(std::iter::repeat_n(0xf6, 200_000));
        assert!(matches!(
            decode_frame(&frame),
            Err(BinaryError::InvalidJid { .. })
        ));
    }

    fn marker_list8() -> u8 {
        0xf8
    }

    #[test]
    fn bounds_nesting_both_ways() {
        let mut node = Node::new("x");
        for _ in 0..MAX_DEPTH {
            node = Node::new("x").children([node]);
        }
        assert!(matches!(
            encode_frame(&node),
            Err(BinaryError::MaxDepthExceeded { .. })
        ));
    }
}
