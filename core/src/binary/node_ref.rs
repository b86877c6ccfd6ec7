//! `NodeTree` and `NodeRef`: a decoded node tree borrowing its strings and bytes from the frame.
//!
//! The decoder stores every node of a frame in one flat array and every attribute in another,
//! so decoding a stanza costs two allocations however many nodes it has; the children of a
//! node are contiguous in the node array. [`NodeRef`] is a cheap copyable handle into the tree.

use std::borrow::Cow;

use super::node::{Content, Node};
use super::value::{Text, ValueRef};
use crate::jid::Jid;

/// One attribute: key and value.
pub type AttrRef<'a> = (Text<'a>, ValueRef<'a>);

/// A decoded node tree. Decode one with [`NodeTree::decode`]; walk it from [`NodeTree::root`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeTree<'a> {
    pub(super) nodes: Vec<Slot<'a>>,
    pub(super) attrs: Vec<AttrRef<'a>>,
}

/// A node in the flat array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Slot<'a> {
    pub(super) tag: Text<'a>,
    pub(super) attrs_start: u32,
    pub(super) attrs_len: u32,
    pub(super) content: SlotContent<'a>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum SlotContent<'a> {
    Empty,
    Nodes { first: u32, count: u32 },
    Bytes(&'a [u8]),
    Value(ValueRef<'a>),
}

impl<'a> NodeTree<'a> {
    /// The root node.
    pub fn root(&self) -> NodeRef<'_, 'a> {
        NodeRef {
            tree: self,
            index: 0,
        }
    }

    /// Number of nodes in the tree.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree is empty (never true for a decoded tree).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The content of a borrowed node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentRef<'t, 'a> {
    /// No content (also an empty child list on the wire).
    Empty,
    /// Child nodes.
    Nodes(Children<'t, 'a>),
    /// Raw bytes (`BINARY_8/20/32`), even if the sender meant them as text.
    Bytes(&'a [u8]),
    /// A token, packed string or JID.
    Value(ValueRef<'a>),
}

/// The children of a node: a contiguous run of the tree's nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Children<'t, 'a> {
    tree: &'t NodeTree<'a>,
    first: u32,
    count: u32,
}

impl<'t, 'a> Children<'t, 'a> {
    /// Number of children.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are no children.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The child at `index`.
    pub fn get(&self, index: usize) -> Option<NodeRef<'t, 'a>> {
        (index < self.count as usize).then(|| NodeRef {
            tree: self.tree,
            index: self.first as usize + index,
        })
    }

    /// The children in order.
    pub fn iter(self) -> impl ExactSizeIterator<Item = NodeRef<'t, 'a>> + 't {
        let tree = self.tree;
        let first = self.first as usize;
        (first..first + self.count as usize).map(move |index| NodeRef { tree, index })
    }
}

/// A node in a [`NodeTree`]: a copyable handle whose strings and bytes borrow from the frame.
#[derive(Clone, Copy)]
pub struct NodeRef<'t, 'a> {
    tree: &'t NodeTree<'a>,
    index: usize,
}

impl std::fmt::Debug for NodeRef<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRef")
            .field("tag", &self.tag())
            .field("attrs", &self.attrs())
            .field("content", &self.content())
            .finish()
    }
}

impl PartialEq for NodeRef<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.tag() == other.tag()
            && self.attrs() == other.attrs()
            && match (self.content(), other.content()) {
                (ContentRef::Nodes(a), ContentRef::Nodes(b)) => a.iter().eq(b.iter()),
                (a, b) => a == b,
            }
    }
}

impl<'t, 'a> NodeRef<'t, 'a> {
    fn slot(&self) -> &'t Slot<'a> {
        &self.tree.nodes[self.index]
    }

    /// The tag.
    pub fn tag(&self) -> Text<'a> {
        self.slot().tag
    }

    /// Whether the tag is `tag`.
    pub fn is(&self, tag: &str) -> bool {
        self.slot().tag.eq_str(tag)
    }

    /// Attributes in wire order.
    pub fn attrs(&self) -> &'t [AttrRef<'a>] {
        let slot = self.slot();
        let start = slot.attrs_start as usize;
        &self.tree.attrs[start..start + slot.attrs_len as usize]
    }

    /// The content.
    pub fn content(&self) -> ContentRef<'t, 'a> {
        match &self.slot().content {
            SlotContent::Empty => ContentRef::Empty,
            &SlotContent::Nodes { first, count } => ContentRef::Nodes(Children {
                tree: self.tree,
                first,
                count,
            }),
            SlotContent::Bytes(bytes) => ContentRef::Bytes(bytes),
            SlotContent::Value(value) => ContentRef::Value(*value),
        }
    }

    /// The value of attribute `key`, if present.
    pub fn attr_value(&self, key: &str) -> Option<&'t ValueRef<'a>> {
        self.attrs()
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

    /// The child list; empty when the content is not a list.
    fn child_list(&self) -> Children<'t, 'a> {
        match self.content() {
            ContentRef::Nodes(children) => children,
            _ => Children {
                tree: self.tree,
                first: 0,
                count: 0,
            },
        }
    }

    /// The child nodes (none when the content is not a list).
    pub fn children(&self) -> impl ExactSizeIterator<Item = NodeRef<'t, 'a>> + use<'t, 'a> {
        self.child_list().iter()
    }

    /// The first child with tag `tag`.
    pub fn child(&self, tag: &str) -> Option<NodeRef<'t, 'a>> {
        self.children().find(|c| c.is(tag))
    }

    /// The children with tag `tag`, in order.
    pub fn children_named<'s>(
        &self,
        tag: &'s str,
    ) -> impl Iterator<Item = NodeRef<'t, 'a>> + use<'t, 'a, 's> {
        self.child_list().iter().filter(move |c| c.is(tag))
    }

    /// Whether attribute `key` is present with the string value `value`; compares without
    /// allocating for strings, tokens and packed values.
    pub fn attr_is(&self, key: &str, value: &str) -> bool {
        self.attr_value(key).is_some_and(|v| v.eq_str(value))
    }

    /// The content as bytes: raw bytes as they are, text values as UTF-8.
    pub fn content_bytes(&self) -> Option<Cow<'a, [u8]>> {
        match self.content() {
            ContentRef::Bytes(b) => Some(Cow::Borrowed(b)),
            ContentRef::Value(v) => Some(match v.as_cow() {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            }),
            _ => None,
        }
    }

    /// Copies the node and its descendants into an owned [`Node`].
    pub fn to_owned_node(&self) -> Node {
        Node {
            tag: self.tag().as_cow().into_owned(),
            attrs: self
                .attrs()
                .iter()
                .map(|(k, v)| {
                    let mut value = String::new();
                    v.push_to(&mut value);
                    (k.as_cow().into_owned(), value)
                })
                .collect(),
            content: match self.content() {
                ContentRef::Empty => Content::Empty,
                ContentRef::Nodes(children) => {
                    Content::Nodes(children.iter().map(|c| c.to_owned_node()).collect())
                }
                ContentRef::Bytes(b) => Content::Bytes(b.to_vec()),
                ContentRef::Value(v) => Content::Text(v.as_cow().into_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jid::Server;

    fn usync_devices() -> Node {
        Node::new("list").children([Node::new("user")
            .attr("jid", "15551234567@s.whatsapp.net")
            .attr("type", "result")
            .children([
                Node::new("device").attr("id", "0"),
                Node::new("key-index-list").bytes(vec![1, 2, 3]),
                Node::new("device").attr("id", "12"),
            ])])
    }

    #[test]
    fn looks_attributes_and_children_up() {
        let node = usync_devices();
        let mut data = Vec::new();
        node.encode(&mut data).unwrap();
        let tree = NodeTree::decode(&data).unwrap();
        let user = tree.root().child("user").unwrap();

        assert!(user.attr_is("type", "result"));
        assert!(!user.attr_is("type", "error"));
        assert!(!user.attr_is("missing", "result"));
        assert_eq!(user.attr("type").as_deref(), Some("result"));
        let jid = user.jid_attr("jid").unwrap();
        assert_eq!(
            (jid.user.as_str(), jid.server),
            ("15551234567", Server::User)
        );

        let ids: Vec<_> = user
            .children_named("device")
            .map(|d| d.attr("id").unwrap().into_owned())
            .collect();
        assert_eq!(ids, ["0", "12"]);
        let keys = user.child("key-index-list").unwrap();
        assert_eq!(keys.content_bytes().as_deref(), Some(&[1u8, 2, 3][..]));
        assert!(user.child("nothing").is_none());

        // The owned node answers the same questions.
        let owned = tree.root().to_owned_node();
        assert_eq!(owned, node);
        let owned_user = owned.child("user").unwrap();
        assert_eq!(owned_user.get_attr("type"), Some("result"));
        assert_eq!(owned_user.jid_attr("jid"), Some(jid));
        assert_eq!(owned_user.children_named("device").count(), 2);
    }

    #[test]
    fn child_iterators_outlive_the_handle_they_came_from() {
        let mut data = Vec::new();
        usync_devices().encode(&mut data).unwrap();
        let tree = NodeTree::decode(&data).unwrap();
        // `root()` is a temporary; the iterators borrow the tree, not the handle.
        let users = tree.root().children();
        let devices = tree.root().child("user").unwrap().children_named("device");
        assert_eq!((users.len(), devices.count()), (1, 2));
    }
}
