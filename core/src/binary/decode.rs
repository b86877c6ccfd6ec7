//! The decoder: bytes of one node (no flags byte) to a [`NodeRef`].

use super::node_ref::{AttrRef, NodeTree, Slot, SlotContent};
use super::packed::{PackKind, Packed};
use super::reader::Reader;
use super::token::{self, marker};
use super::value::{JidForm, JidRef, Text, ValueRef};
use super::{BinaryError, MAX_DEPTH, MAX_NODE_LEN};
use crate::jid::Server;

impl<'a> NodeTree<'a> {
    /// Decodes one node that must fill `data` exactly (no flags byte; see
    /// [`super::unpack_frame`] for whole frames).
    pub fn decode(data: &'a [u8]) -> Result<NodeTree<'a>, BinaryError> {
        if data.len() > MAX_NODE_LEN {
            return Err(BinaryError::TooLarge {
                what: "node",
                len: data.len(),
                limit: MAX_NODE_LEN,
            });
        }
        let mut decoder = Decoder {
            reader: Reader::new(data),
            // Typical stanzas spend about 24 bytes per node and 12 per attribute. The first
            // reservation stays below 1 KiB each (the allocator's fast path): a stanza with a
            // large payload has few nodes, and big lists grow by doubling.
            tree: NodeTree {
                nodes: Vec::with_capacity((data.len() / 24).clamp(1, 1024 / size_of::<Slot>())),
                attrs: Vec::with_capacity((data.len() / 12).min(1024 / size_of::<AttrRef>())),
            },
            pending: 0,
        };
        decoder.tree.nodes.push(EMPTY_SLOT);
        decoder.read_tree()?;
        match decoder.reader.remaining() {
            0 => Ok(decoder.tree),
            remaining => Err(BinaryError::LeftoverData { remaining }),
        }
    }
}

const EMPTY_SLOT: Slot<'static> = Slot {
    tag: Text::Str(""),
    attrs_start: 0,
    attrs_len: 0,
    content: SlotContent::Empty,
};

struct Decoder<'a> {
    reader: Reader<'a>,
    tree: NodeTree<'a>,
    /// Child slots reserved and not decoded yet, over all open child lists.
    pending: usize,
}

/// Child slots reserved for a node's children and not decoded yet.
#[derive(Clone, Copy, Default)]
struct PendingChildren {
    next: u32,
    end: u32,
}

/// The open child lists, innermost last: a fixed array, so decoding allocates nothing for it.
struct OpenLists {
    lists: [PendingChildren; MAX_DEPTH],
    len: usize,
}

impl OpenLists {
    /// Opens a child list; the node whose children these are must itself sit above
    /// [`MAX_DEPTH`] (checked before it was read), so the array never overflows.
    fn push(&mut self, children: PendingChildren) -> Result<(), BinaryError> {
        let slot = self
            .lists
            .get_mut(self.len)
            .ok_or(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH })?;
        *slot = children;
        self.len += 1;
        Ok(())
    }

    fn top(&mut self) -> Option<&mut PendingChildren> {
        self.len.checked_sub(1).and_then(|i| self.lists.get_mut(i))
    }
}

fn read_list_size(r: &mut Reader<'_>, tag: u8) -> Result<Option<usize>, BinaryError> {
    Ok(match tag {
        marker::LIST_EMPTY => Some(0),
        marker::LIST_8 => Some(r.u8()? as usize),
        marker::LIST_16 => Some(r.u16()? as usize),
        _ => None,
    })
}

impl<'a> Decoder<'a> {
    /// Decodes the whole tree depth-first with an explicit stack (at most [`MAX_DEPTH`]
    /// entries), so hostile nesting can never overflow the thread's stack.
    fn read_tree(&mut self) -> Result<(), BinaryError> {
        let mut stack = OpenLists {
            lists: [PendingChildren::default(); MAX_DEPTH],
            len: 0,
        };
        if let Some(children) = self.read_node(0)? {
            stack.push(children)?;
        }
        while let Some(top) = stack.top() {
            if top.next == top.end {
                stack.len -= 1;
                continue;
            }
            let slot = top.next;
            top.next += 1;
            self.pending -= 1;
            // The node being read sits one level below the nodes on the stack.
            if stack.len + 1 > MAX_DEPTH {
                return Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH });
            }
            if let Some(children) = self.read_node(slot as usize)? {
                stack.push(children)?;
            }
        }
        Ok(())
    }

    /// Decodes the node at the reader into `tree.nodes[slot]`, except its children: when it
    /// has some, their slots are reserved and returned for the caller to fill in order.
    fn read_node(&mut self, slot: usize) -> Result<Option<PendingChildren>, BinaryError> {
        let r = &mut self.reader;
        let at = r.position();
        let first = r.u8()?;
        let size = match read_list_size(r, first)? {
            Some(0) => {
                return Err(BinaryError::InvalidNode {
                    reason: "node list is empty",
                    at,
                });
            }
            Some(size) => size,
            None => return Err(BinaryError::InvalidToken { byte: first, at }),
        };

        let tag_at = r.position();
        let tag = match read_name(r)? {
            Some(text) => text,
            None => {
                return Err(BinaryError::InvalidNode {
                    reason: "tag is not a non-empty string",
                    at: tag_at,
                });
            }
        };

        let attr_count = (size - 1) / 2;
        let attrs_start = self.tree.attrs.len();
        for _ in 0..attr_count {
            let r = &mut self.reader;
            let key_at = r.position();
            let key = match read_name(r)? {
                Some(text) => text,
                None => return Err(BinaryError::NonStringKey { at: key_at }),
            };
            let value = read_value(r)?.unwrap_or(ValueRef::Text(Text::Str("")));
            self.tree.attrs.push((key, value));
        }

        let (content, pending) = if size % 2 == 0 {
            self.read_content()?
        } else {
            (SlotContent::Empty, None)
        };
        // ok: both counts are bounded by the input length, which `decode` caps at 2^32 - 1.
        self.tree.nodes[slot] = Slot {
            tag,
            attrs_start: attrs_start as u32,
            attrs_len: attr_count as u32,
            content,
        };
        Ok(pending)
    }

    #[inline(always)]
    fn read_content(&mut self) -> Result<(SlotContent<'a>, Option<PendingChildren>), BinaryError> {
        let r = &mut self.reader;
        let at = r.position();
        let first = r.u8()?;
        if let Some(count) = read_list_size(r, first)? {
            if count == 0 {
                return Ok((SlotContent::Empty, None));
            }
            // Each node takes at least two bytes: refuse counts the rest of the input cannot
            // hold together with the slots already reserved, before reserving their slots. So
            // nested lists can never reserve more slots than the input has bytes.
            let reserved = self.pending + count;
            if reserved > r.remaining() / 2 {
                return Err(BinaryError::UnexpectedEof {
                    at: r.position(),
                    needed: (reserved * 2).saturating_sub(r.remaining()),
                });
            }
            self.pending = reserved;
            let first_child = self.tree.nodes.len();
            self.tree.nodes.resize(first_child + count, EMPTY_SLOT);
            let content = SlotContent::Nodes {
                first: first_child as u32,
                count: count as u32,
            };
            // ok: the node count is bounded by the input length, which `decode` caps at 2^32 - 1.
            let pending = PendingChildren {
                next: first_child as u32,
                end: (first_child + count) as u32,
            };
            return Ok((content, Some(pending)));
        }
        if let Some(bytes) = read_binary(r, first)? {
            return Ok((SlotContent::Bytes(bytes), None));
        }
        match read_value_after(r, first, at)? {
            Some(value) => Ok((SlotContent::Value(value), None)),
            None => Ok((SlotContent::Empty, None)),
        }
    }
}

/// Reads the bytes of a `BINARY_8/20/32` value whose marker is `first`.
#[inline(always)]
fn read_binary<'a>(r: &mut Reader<'a>, first: u8) -> Result<Option<&'a [u8]>, BinaryError> {
    let len = match first {
        marker::BINARY_8 => r.u8()? as usize,
        marker::BINARY_20 => r.u20()?,
        marker::BINARY_32 => r.u32()? as usize,
        _ => return Ok(None),
    };
    r.take(len).map(Some)
}

/// Reads a string that is not a JID, its marker `first` already read. `None` for
/// `LIST_EMPTY` and the JID markers, which the caller handles.
#[inline(always)]
fn read_plain_text_after<'a>(
    r: &mut Reader<'a>,
    first: u8,
    at: usize,
) -> Result<Option<Text<'a>>, BinaryError> {
    let text = match first {
        1..=235 => {
            Text::Str(token::single(first).ok_or(BinaryError::InvalidToken { byte: first, at })?)
        }
        marker::DICTIONARY_0..=marker::DICTIONARY_3 => {
            let index = r.u8()?;
            Text::Str(
                token::double(first - marker::DICTIONARY_0, index)
                    .ok_or(BinaryError::InvalidToken { byte: first, at })?,
            )
        }
        marker::BINARY_8 | marker::BINARY_20 | marker::BINARY_32 => {
            let bytes = read_binary(r, first)?.unwrap_or_default();
            Text::Str(std::str::from_utf8(bytes).map_err(|_| BinaryError::InvalidUtf8 { at })?)
        }
        marker::NIBBLE_8 => Text::Packed(read_packed(r, PackKind::Nibble)?),
        marker::HEX_8 => Text::Packed(read_packed(r, PackKind::Hex)?),
        marker::LIST_EMPTY
        | marker::JID_PAIR
        | marker::AD_JID
        | marker::FB_JID
        | marker::INTEROP_JID => return Ok(None),
        _ => return Err(BinaryError::InvalidToken { byte: first, at }),
    };
    Ok(Some(text))
}

/// Reads a tag or attribute key: a non-empty string, never a JID. `None` when it is not one.
///
/// Names are the most frequent values on the wire; this path returns a small type so the hot
/// loop does not copy whole `ValueRef`s around.
#[inline(always)]
fn read_name<'a>(r: &mut Reader<'a>) -> Result<Option<Text<'a>>, BinaryError> {
    let at = r.position();
    let first = r.u8()?;
    Ok(read_plain_text_after(r, first, at)?.filter(|text| !text.is_empty()))
}

/// Reads a string or JID. `None` is `LIST_EMPTY`, the empty value.
#[inline(always)]
fn read_value<'a>(r: &mut Reader<'a>) -> Result<Option<ValueRef<'a>>, BinaryError> {
    let at = r.position();
    let first = r.u8()?;
    read_value_after(r, first, at)
}

#[inline(always)]
fn read_value_after<'a>(
    r: &mut Reader<'a>,
    first: u8,
    at: usize,
) -> Result<Option<ValueRef<'a>>, BinaryError> {
    let value = match first {
        marker::LIST_EMPTY => return Ok(None),
        marker::JID_PAIR => {
            let user = read_text(r)?;
            let server_at = r.position();
            let server = read_server(r, server_at)?;
            ValueRef::Jid(JidRef {
                user,
                server,
                device: 0,
                integrator: 0,
                form: JidForm::Pair,
            })
        }
        marker::AD_JID => {
            let domain = r.u8()?;
            let device = r.u8()?;
            let user = read_text(r)?;
            let server = match domain {
                0 => Server::User,
                1 => Server::Lid,
                d if d >= 128 && d % 2 == 0 => Server::Hosted,
                d if d >= 128 => Server::HostedLid,
                _ => {
                    return Err(BinaryError::InvalidJid {
                        reason: "unknown AD JID domain",
                        at,
                    });
                }
            };
            ValueRef::Jid(JidRef {
                user,
                server,
                device: device.into(),
                integrator: 0,
                form: JidForm::Device,
            })
        }
        marker::FB_JID => {
            let user = read_text(r)?;
            let device = r.u16()?;
            let server_at = r.position();
            if !read_text(r)?.eq_str(Server::Messenger.as_str()) {
                return Err(BinaryError::InvalidNode {
                    reason: "FB JID server is not msgr",
                    at: server_at,
                });
            }
            ValueRef::Jid(JidRef {
                user,
                server: Server::Messenger,
                device,
                integrator: 0,
                form: JidForm::Messenger,
            })
        }
        marker::INTEROP_JID => {
            let user = read_text(r)?;
            let device = r.u16()?;
            let integrator = r.u16()?;
            let server_at = r.position();
            if !read_text(r)?.eq_str(Server::Interop.as_str()) {
                return Err(BinaryError::InvalidNode {
                    reason: "interop JID server is not interop",
                    at: server_at,
                });
            }
            ValueRef::Jid(JidRef {
                user,
                server: Server::Interop,
                device,
                integrator,
                form: JidForm::Interop,
            })
        }
        _ => {
            return read_plain_text_after(r, first, at).map(|text| text.map(ValueRef::Text));
        }
    };
    Ok(Some(value))
}

/// A string that must not be a JID (JID users and servers). Never descends into a nested
/// JID, so hostile input cannot recurse.
fn read_text<'a>(r: &mut Reader<'a>) -> Result<Text<'a>, BinaryError> {
    let at = r.position();
    let first = r.u8()?;
    match read_plain_text_after(r, first, at)? {
        Some(text) => Ok(text),
        None if first == marker::LIST_EMPTY => Ok(Text::Str("")),
        None => Err(BinaryError::InvalidJid {
            reason: "a JID inside a JID",
            at,
        }),
    }
}

fn read_server(r: &mut Reader<'_>, at: usize) -> Result<Server, BinaryError> {
    let name = read_text(r)?;
    match name {
        Text::Str(s) => Server::from_name(s),
        Text::Packed(_) => None,
    }
    .ok_or(BinaryError::InvalidJid {
        reason: "JID server is not a known server",
        at,
    })
}

#[inline(always)]
fn read_packed<'a>(r: &mut Reader<'a>, kind: PackKind) -> Result<Packed<'a>, BinaryError> {
    let header = r.u8()?;
    let odd = header & 0x80 != 0;
    let len = (header & 0x7f) as usize;
    let at = r.position();
    let data = r.take(len)?;
    if odd && len == 0 {
        return Err(BinaryError::InvalidToken { byte: header, at });
    }
    Packed::new(kind, data, odd, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::Node;

    /// `depth` nodes, each the only child of the one above.
    fn nested(depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for level in 0..depth {
            let has_child = level + 1 < depth;
            out.extend_from_slice(&[marker::LIST_8, 1 + u8::from(has_child), 25]); // "iq"
            if has_child {
                out.extend_from_slice(&[marker::LIST_8, 1]);
            }
        }
        out
    }

    #[test]
    fn reads_the_deepest_allowed_nesting_without_recursion() {
        let data = nested(MAX_DEPTH);
        let tree = NodeTree::decode(&data).unwrap();
        assert_eq!(tree.len(), MAX_DEPTH);
        // The owned copy, its encoding and its display handle that depth too.
        let node = tree.root().to_owned_node();
        let mut encoded = Vec::new();
        node.encode(&mut encoded).unwrap();
        assert_eq!(encoded, data);
        assert!(node.to_string().starts_with("<iq>"));
        assert_eq!(
            NodeTree::decode(&nested(MAX_DEPTH + 1)),
            Err(BinaryError::MaxDepthExceeded { limit: MAX_DEPTH })
        );
    }

    #[test]
    fn nested_lists_cannot_reserve_more_slots_than_the_input_holds() {
        // Every level claims as many children as the whole rest could hold; together they
        // would reserve far more slots than there are bytes.
        let mut data = Vec::new();
        for _ in 0..64 {
            data.extend_from_slice(&[marker::LIST_8, 2, 25, marker::LIST_16, 0x01, 0x00]);
        }
        data.resize(data.len() + 600, 0);
        assert!(matches!(
            NodeTree::decode(&data),
            Err(BinaryError::UnexpectedEof { .. })
        ));
    }

    #[test]
    fn siblings_after_a_nested_list_land_in_their_own_slots() {
        let node = Node::new("a").children([
            Node::new("b").children([Node::new("c"), Node::new("d")]),
            Node::new("e").attr("id", "1"),
        ]);
        let mut data = Vec::new();
        node.encode(&mut data).unwrap();
        let tree = NodeTree::decode(&data).unwrap();
        assert_eq!(tree.root().to_owned_node(), node);
    }
}
