//! Readable XML-like text for nodes, for logs and the CLI.
//!
//! ```text
//! <iq id="1.2-3" to="@s.whatsapp.net" type="get" xmlns="w:p">
//!   <ping/>
//! </iq>
//! ```
//!
//! Byte content is shown as text when it is printable UTF-8, else as hex, and cut after
//! [`MAX_SHOWN_BYTES`] bytes with the total length noted.

use std::borrow::Cow;
use std::fmt::{self, Write};

use super::{Content, ContentRef, Node, NodeRef};

/// Byte content longer than this is truncated in the display.
pub const MAX_SHOWN_BYTES: usize = 256;

fn write_indent(f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    (0..depth).try_for_each(|_| f.write_str("  "))
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '<' => f.write_str("&lt;")?,
            '>' => f.write_str("&gt;")?,
            '&' => f.write_str("&amp;")?,
            '"' => f.write_str("&quot;")?,
            c if c.is_control() && c != '\n' && c != '\t' => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    Ok(())
}

/// The printable text of `bytes` cut at [`MAX_SHOWN_BYTES`] (on a character boundary), or
/// `None` when they are not printable UTF-8.
fn printable_prefix(bytes: &[u8]) -> Option<&str> {
    let shown = &bytes[..bytes.len().min(MAX_SHOWN_BYTES)];
    let text = match std::str::from_utf8(shown) {
        Ok(text) => text,
        // A character cut by the limit is fine; an invalid sequence is not.
        Err(e) if e.error_len().is_none() && shown.len() < bytes.len() => {
            std::str::from_utf8(&shown[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let printable = !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t');
    printable.then_some(text)
}

fn write_bytes(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let shown = match printable_prefix(bytes) {
        Some(text) => {
            write_escaped(f, text)?;
            text.len()
        }
        None => {
            let shown = &bytes[..bytes.len().min(MAX_SHOWN_BYTES)];
            f.write_str("0x")?;
            shown.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
            shown.len()
        }
    };
    if bytes.len() > shown {
        write!(f, "… ({} bytes)", bytes.len())?;
    }
    Ok(())
}

/// Leaf content of a node, as the display shows it.
enum Leaf<'a> {
    None,
    Bytes(&'a [u8]),
    Text(Cow<'a, str>),
}

/// What the display needs from either node type.
trait ShowNode {
    fn tag(&self) -> Cow<'_, str>;
    fn attrs(&self) -> Vec<(Cow<'_, str>, Cow<'_, str>)>;
    fn children(&self) -> Vec<Box<dyn ShowNode + '_>>;
    fn leaf(&self) -> Leaf<'_>;
}

impl<T: ShowNode + ?Sized> ShowNode for &T {
    fn tag(&self) -> Cow<'_, str> {
        (**self).tag()
    }
    fn attrs(&self) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
        (**self).attrs()
    }
    fn children(&self) -> Vec<Box<dyn ShowNode + '_>> {
        (**self).children()
    }
    fn leaf(&self) -> Leaf<'_> {
        (**self).leaf()
    }
}

impl ShowNode for Node {
    fn tag(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.tag)
    }
    fn attrs(&self) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
        self.attrs
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
            .collect()
    }
    fn children(&self) -> Vec<Box<dyn ShowNode + '_>> {
        self.child_nodes()
            .iter()
            .map(|n| Box::new(n) as Box<dyn ShowNode>)
            .collect()
    }
    fn leaf(&self) -> Leaf<'_> {
        match &self.content {
            Content::Bytes(bytes) => Leaf::Bytes(bytes),
            Content::Text(text) => Leaf::Text(Cow::Borrowed(text)),
            _ => Leaf::None,
        }
    }
}

impl ShowNode for NodeRef<'_, '_> {
    fn tag(&self) -> Cow<'_, str> {
        NodeRef::tag(self).as_cow()
    }
    fn attrs(&self) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
        NodeRef::attrs(self)
            .iter()
            .map(|(k, v)| (k.as_cow(), v.as_cow()))
            .collect()
    }
    fn children(&self) -> Vec<Box<dyn ShowNode + '_>> {
        NodeRef::children(self)
            .map(|n| Box::new(n) as Box<dyn ShowNode>)
            .collect()
    }
    fn leaf(&self) -> Leaf<'_> {
        match self.content() {
            ContentRef::Bytes(bytes) => Leaf::Bytes(bytes),
            ContentRef::Value(value) => Leaf::Text(value.as_cow()),
            _ => Leaf::None,
        }
    }
}

fn show(f: &mut fmt::Formatter<'_>, node: &dyn ShowNode, depth: usize) -> fmt::Result {
    write_indent(f, depth)?;
    let tag = node.tag();
    write!(f, "<{tag}")?;
    for (key, value) in node.attrs() {
        write!(f, " {key}=\"")?;
        write_escaped(f, &value)?;
        f.write_char('"')?;
    }
    let children = node.children();
    if !children.is_empty() {
        f.write_str(">\n")?;
        for child in children {
            show(f, child.as_ref(), depth + 1)?;
            f.write_char('\n')?;
        }
        write_indent(f, depth)?;
        return write!(f, "</{tag}>");
    }
    match node.leaf() {
        Leaf::None => f.write_str("/>"),
        Leaf::Bytes(bytes) => {
            f.write_char('>')?;
            write_bytes(f, bytes)?;
            write!(f, "</{tag}>")
        }
        Leaf::Text(text) => {
            f.write_char('>')?;
            write_bytes(f, text.as_bytes())?;
            write!(f, "</{tag}>")
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show(f, self, 0)
    }
}

impl fmt::Display for NodeRef<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show(f, self, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_nested_nodes_and_bytes() {
        let node = Node::new("iq")
            .attr("id", "1")
            .children([Node::new("ping"), Node::new("x").bytes(vec![0u8, 1, 255])]);
        assert_eq!(
            node.to_string(),
            "<iq id=\"1\">\n  <ping/>\n  <x>0x0001ff</x>\n</iq>"
        );
        let long = Node::new("m").bytes(vec![b'a'; 300]);
        assert!(long.to_string().ends_with("… (300 bytes)</m>"));
        assert_eq!(Node::new("t").text("a<b").to_string(), "<t>a&lt;b</t>");
    }

    #[test]
    fn truncates_long_text_on_a_character_boundary() {
        // 255 ASCII bytes then a 2-byte character that the 256-byte limit cuts in half.
        let text = format!("{}é and more", "a".repeat(255));
        let shown = Node::new("t").text(text.clone()).to_string();
        let expected = format!("<t>{}… ({} bytes)</t>", "a".repeat(255), text.len());
        assert_eq!(shown, expected);
        let as_bytes = Node::new("t").bytes(text.clone().into_bytes()).to_string();
        assert_eq!(as_bytes, expected);
        // Control characters still switch to hex.
        assert_eq!(Node::new("t").text("a\u{1}").to_string(), "<t>0x6101</t>");
    }
}
