//! `NodeRef`: a decoded node borrowing its strings and bytes from the frame.

use std::borrow::Cow;

use super::node::{Content, Node};
use super::value::{Text, ValueRef};
use crate::jid::Jid;

/// The content of a borrowed node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContentRef<'a> {
    /// No content (also an empty child list on the wire).
    Empty,
    /// Child nodes.
    Nodes(Vec<NodeRef<'a>>),
    /// Raw bytes (`BINARY_8/20/32`), even if the sender meant them as text.
    Bytes(&'a [u8]),
    /// A token, packed string or JID.
    Value(ValueRef<'a>),
}

/// A node decoded without copying: strings and bytes borrow from the frame.
///
/// Decode one with [`NodeRef::decode`] (a node without the flags byte) or
/// [`super::decode_frame_ref`]; turn it into an owned [`Node`] with [`NodeRef::to_owned_node`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRef<'a> {
    /// The tag.
    pub tag: Text<'a>,
    /// Attributes in wire order.
    pub attrs: Vec<(Text<'a>, ValueRef<'a>)>,
    /// The content.
    pub content: ContentRef<'a>,
}

impl<'a> NodeRef<'a> {
    /// Whether the tag is `tag`.
    pub fn is(&self, tag: &str) -> bool {
        self.tag.eq_str(tag)
    }

    /// The value of attribute `key`, if present.
    pub fn attr_value(&self, key: &str) -> Option<&ValueRef<'a>> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_str(key))
            .map(|(_, v)| v)
    }

    /// The string value of attribute `key` (JIDs in their string form).
    pub fn attr(&self, key: &str) -> Option<Cow<'a, str>> {
        self.attr_value(key).map(ValueRef::as_cow)
    }

    /// The value of attribute `key` as a JID, if present and a valid JID.
    pub fn jid_attr(&self, key: &str) -> Option<Jid> {
        self.attr_value(key).and_then(ValueRef::to_jid)
    }

    /// The child nodes (empty when the content is not a list).
    pub fn children(&self) -> &[NodeRef<'a>] {
        match &self.content {
            ContentRef::Nodes(nodes) => nodes,
            _ => &[],
        }
    }

    /// The first child with tag `tag`.
    pub fn child(&self, tag: &str) -> Option<&NodeRef<'a>> {
        self.children().iter().find(|c| c.is(tag))
    }

    /// The content as bytes: raw bytes as they are, text values as UTF-8.
    pub fn content_bytes(&self) -> Option<Cow<'a, [u8]>> {
        match &self.content {
            ContentRef::Bytes(b) => Some(Cow::Borrowed(*b)),
            ContentRef::Value(v) => Some(match v.as_cow() {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            }),
            _ => None,
        }
    }

    /// Copies the node into an owned [`Node`].
    pub fn to_owned_node(&self) -> Node {
        Node {
            tag: self.tag.as_cow().into_owned(),
            attrs: self
                .attrs
                .iter()
                .map(|(k, v)| {
                    let mut value = String::new();
                    v.push_to(&mut value);
                    (k.as_cow().into_owned(), value)
                })
                .collect(),
            content: match &self.content {
                ContentRef::Empty => Content::Empty,
                ContentRef::Nodes(nodes) => {
                    Content::Nodes(nodes.iter().map(NodeRef::to_owned_node).collect())
                }
                ContentRef::Bytes(b) => Content::Bytes(b.to_vec()),
                ContentRef::Value(v) => Content::Text(v.as_cow().into_owned()),
            },
        }
    }
}
