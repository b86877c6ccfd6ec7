//! `Node`: an owned node, built by the client and encoded onto the wire.

use crate::jid::Jid;

/// The content of an owned node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Content {
    /// No content.
    #[default]
    Empty,
    /// Child nodes.
    Nodes(Vec<Node>),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A string (written as a token, packed, a JID or raw, whichever fits).
    Text(String),
}

/// An owned node: a tag, attributes in order, and content.
///
/// ```
/// use wacast::binary::Node;
///
/// let ping = Node::new("iq")
///     .attr("id", "1.2-3")
///     .attr("to", "@s.whatsapp.net")
///     .attr("type", "get")
///     .attr("xmlns", "w:p")
///     .children([Node::new("ping")]);
/// let frame = wacast::binary::encode_frame(&ping)?;
/// assert_eq!(wacast::binary::decode_frame(&frame)?, ping);
/// # Ok::<(), wacast::binary::BinaryError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// The tag.
    pub tag: String,
    /// Attributes in wire order. JID values are in their string form.
    pub attrs: Vec<(String, String)>,
    /// The content.
    pub content: Content,
}

impl Node {
    /// A node with a tag and nothing else.
    pub fn new(tag: impl Into<String>) -> Node {
        Node {
            tag: tag.into(),
            attrs: Vec::new(),
            content: Content::Empty,
        }
    }

    /// Appends an attribute.
    pub fn attr(mut self, key: impl Into<String>, value: impl ToString) -> Node {
        self.attrs.push((key.into(), value.to_string()));
        self
    }

    /// Sets child nodes as the content.
    pub fn children(mut self, children: impl IntoIterator<Item = Node>) -> Node {
        self.content = Content::Nodes(children.into_iter().collect());
        self
    }

    /// Sets raw bytes as the content.
    pub fn bytes(mut self, bytes: impl Into<Vec<u8>>) -> Node {
        self.content = Content::Bytes(bytes.into());
        self
    }

    /// Sets a string as the content.
    pub fn text(mut self, text: impl Into<String>) -> Node {
        self.content = Content::Text(text.into());
        self
    }

    /// The value of attribute `key`.
    pub fn get_attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of attribute `key` parsed as a JID.
    pub fn jid_attr(&self, key: &str) -> Option<Jid> {
        self.get_attr(key).and_then(|v| v.parse().ok())
    }

    /// The child nodes (empty when the content is not a list).
    pub fn child_nodes(&self) -> &[Node] {
        match &self.content {
            Content::Nodes(nodes) => nodes,
            _ => &[],
        }
    }

    /// The first child with tag `tag`.
    pub fn child(&self, tag: &str) -> Option<&Node> {
        self.child_nodes().iter().find(|c| c.tag == tag)
    }

    /// The children with tag `tag`, in order.
    pub fn children_named<'s>(&'s self, tag: &'s str) -> impl Iterator<Item = &'s Node> + 's {
        self.child_nodes().iter().filter(move |c| c.tag == tag)
    }

    /// The content as bytes: raw bytes, or a string's UTF-8.
    pub fn content_bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Bytes(b) => Some(b),
            Content::Text(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}
