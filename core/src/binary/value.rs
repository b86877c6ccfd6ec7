//! Borrowed string and JID values as the decoder finds them on the wire.

use std::borrow::Cow;
use std::fmt;

use super::packed::Packed;
use crate::jid::{Jid, Server};

/// A string value: borrowed from the frame or the token table, or packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text<'a> {
    /// A token or a raw UTF-8 string.
    Str(&'a str),
    /// A nibble- or hex-packed string.
    Packed(Packed<'a>),
}

impl<'a> Text<'a> {
    /// The string, borrowed when the wire holds it as is.
    pub fn as_cow(&self) -> Cow<'a, str> {
        match *self {
            Text::Str(s) => Cow::Borrowed(s),
            Text::Packed(p) => {
                let mut s = String::with_capacity(p.len());
                p.push_to(&mut s);
                Cow::Owned(s)
            }
        }
    }

    /// Compares with a string without allocating.
    pub fn eq_str(&self, other: &str) -> bool {
        match self {
            Text::Str(s) => *s == other,
            Text::Packed(p) => p.eq_str(other),
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        match self {
            Text::Str(s) => s.is_empty(),
            Text::Packed(p) => p.is_empty(),
        }
    }

    fn push_to(&self, out: &mut String) {
        match self {
            Text::Str(s) => out.push_str(s),
            Text::Packed(p) => p.push_to(out),
        }
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Text::Str(s) => f.write_str(s),
            Text::Packed(p) => p
                .chars()
                .try_for_each(|c| fmt::Write::write_char(f, c as char)),
        }
    }
}

/// Which wire form a JID was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JidForm {
    /// `JID_PAIR`: user and server.
    Pair,
    /// `AD_JID`: domain, device and user.
    Device,
    /// `FB_JID`: a Messenger user with a device.
    Messenger,
    /// `INTEROP_JID`: user, device, integrator and server.
    Interop,
}

/// A JID as decoded from the wire, borrowing its user from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JidRef<'a> {
    /// The user part (empty for a bare server).
    pub user: Text<'a>,
    /// The server.
    pub server: Server,
    /// The device (AD, Messenger and interop forms).
    pub device: u16,
    /// The interop integrator.
    pub integrator: u16,
    /// The wire form it came in.
    pub form: JidForm,
}

impl JidRef<'_> {
    /// The typed JID.
    pub fn to_jid(&self) -> Jid {
        Jid {
            user: self.user.as_cow().into_owned(),
            agent: 0,
            device: self.device,
            integrator: self.integrator,
            server: self.server,
        }
    }
}

/// The string form used for attribute values: `user[:device]@server`, `@server` for an empty
/// user. Device forms always show their device, so re-encoding gives the same bytes.
impl fmt::Display for JidRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.user)?;
        if self.form != JidForm::Pair {
            write!(f, ":{}", self.device)?;
        }
        write!(f, "@{}", self.server)
    }
}

/// An attribute value or string content: a string or a JID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueRef<'a> {
    /// A string.
    Text(Text<'a>),
    /// A JID.
    Jid(JidRef<'a>),
}

impl<'a> ValueRef<'a> {
    /// The value as a string (JIDs in their string form), borrowed when possible.
    pub fn as_cow(&self) -> Cow<'a, str> {
        match self {
            ValueRef::Text(t) => t.as_cow(),
            ValueRef::Jid(j) => Cow::Owned(j.to_string()),
        }
    }

    /// Compares the string form with `other`, allocating only for JIDs.
    pub fn eq_str(&self, other: &str) -> bool {
        match self {
            ValueRef::Text(t) => t.eq_str(other),
            ValueRef::Jid(j) => j.to_string() == other,
        }
    }

    /// The value as a typed JID: a wire JID directly, a string by parsing it.
    pub fn to_jid(&self) -> Option<Jid> {
        match self {
            ValueRef::Jid(j) => Some(j.to_jid()),
            ValueRef::Text(t) => t.as_cow().parse().ok(),
        }
    }

    pub(crate) fn push_to(&self, out: &mut String) {
        match self {
            ValueRef::Text(t) => t.push_to(out),
            ValueRef::Jid(j) => fmt::Write::write_fmt(out, format_args!("{j}")).unwrap_or(()),
        }
    }
}

impl fmt::Display for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Text(t) => t.fmt(f),
            ValueRef::Jid(j) => j.fmt(f),
        }
    }
}
