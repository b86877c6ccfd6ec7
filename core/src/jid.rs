//! WhatsApp addresses (JIDs): `user[.agent][:device]@server`.
//!
//! A JID names a user (by phone number or by LID, WhatsApp's hidden-number id), one device of a
//! user, a group, a broadcast list, a newsletter, a call or a bot. Parsing and formatting follow
//! what the official clients write; the parsed form is typed so callers never compare server
//! strings by hand.
//!
//! ```
//! use wacast::jid::{Jid, Server};
//!
//! let device: Jid = "15551234567:3@s.whatsapp.net".parse()?;
//! assert_eq!(device.user, "15551234567");
//! assert_eq!(device.device, 3);
//! assert_eq!(device.server, Server::User);
//! assert_eq!(device.to_non_ad().to_string(), "15551234567@s.whatsapp.net");
//! # Ok::<(), wacast::jid::JidError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// The server part of a JID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Server {
    /// `s.whatsapp.net`: users by phone number, and their devices.
    User,
    /// `g.us`: groups.
    Group,
    /// `lid`: users by LID (hidden-number id), and their devices.
    Lid,
    /// `broadcast`: broadcast lists and `status@broadcast`.
    Broadcast,
    /// `newsletter`: channels.
    Newsletter,
    /// `call`: call ids.
    Call,
    /// `c.us`: the legacy user server, still used in some payloads.
    LegacyUser,
    /// `bot`: Meta AI and other bots.
    Bot,
    /// `msgr`: Messenger users.
    Messenger,
    /// `hosted`: users hosted by a business solution provider.
    Hosted,
    /// `hosted.lid`: hosted users by LID.
    HostedLid,
    /// `interop`: users of interoperating third-party services.
    Interop,
}

impl Server {
    /// Every server, in declaration order.
    pub const ALL: [Server; 12] = [
        Server::User,
        Server::Group,
        Server::Lid,
        Server::Broadcast,
        Server::Newsletter,
        Server::Call,
        Server::LegacyUser,
        Server::Bot,
        Server::Messenger,
        Server::Hosted,
        Server::HostedLid,
        Server::Interop,
    ];

    /// The server's wire name, e.g. `s.whatsapp.net`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Server::User => "s.whatsapp.net",
            Server::Group => "g.us",
            Server::Lid => "lid",
            Server::Broadcast => "broadcast",
            Server::Newsletter => "newsletter",
            Server::Call => "call",
            Server::LegacyUser => "c.us",
            Server::Bot => "bot",
            Server::Messenger => "msgr",
            Server::Hosted => "hosted",
            Server::HostedLid => "hosted.lid",
            Server::Interop => "interop",
        }
    }

    /// Looks a server up by its wire name.
    pub fn from_name(name: &str) -> Option<Server> {
        Some(match name {
            "s.whatsapp.net" => Server::User,
            "g.us" => Server::Group,
            "lid" => Server::Lid,
            "broadcast" => Server::Broadcast,
            "newsletter" => Server::Newsletter,
            "call" => Server::Call,
            "c.us" => Server::LegacyUser,
            "bot" => Server::Bot,
            "msgr" => Server::Messenger,
            "hosted" => Server::Hosted,
            "hosted.lid" => Server::HostedLid,
            "interop" => Server::Interop,
            _ => return None,
        })
    }

    /// Whether JIDs on this server can name a single device (`user:device@server`), written on
    /// the wire as an AD JID.
    pub const fn has_devices(self) -> bool {
        matches!(
            self,
            Server::User | Server::Lid | Server::Hosted | Server::HostedLid
        )
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a JID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JidError {
    /// The part after `@` (or the whole string, without `@`) is not a known server.
    #[error("invalid JID {input:?}: unknown server {server:?}")]
    UnknownServer {
        /// The whole input.
        input: String,
        /// The server part that was not recognised.
        server: String,
    },
    /// The device after `:` is not a number in 0..=65535.
    #[error("invalid JID {input:?}: device {device:?} is not a number in 0..=65535")]
    InvalidDevice {
        /// The whole input.
        input: String,
        /// The device text.
        device: String,
    },
    /// The agent after `.` is not a number in 0..=255.
    #[error("invalid JID {input:?}: agent {agent:?} is not a number in 0..=255")]
    InvalidAgent {
        /// The whole input.
        input: String,
        /// The agent text.
        agent: String,
    },
}

/// A WhatsApp address.
///
/// `device` 0 is a user's primary device (the phone) and is not written in the string form;
/// `agent` is only shown for bots; `integrator` only exists for interop JIDs and is carried on
/// the wire, never in the string form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jid {
    /// The user part: a phone number, a LID, a group id, `status`, or empty for a bare server.
    pub user: String,
    /// The agent (bots and legacy device addressing); 0 when absent.
    pub agent: u8,
    /// The device; 0 is the primary device.
    pub device: u16,
    /// The interop integrator; 0 when absent.
    pub integrator: u16,
    /// The server.
    pub server: Server,
}

impl Jid {
    /// A JID with the given user on the given server, no device.
    pub fn new(user: impl Into<String>, server: Server) -> Jid {
        Jid {
            user: user.into(),
            agent: 0,
            device: 0,
            integrator: 0,
            server,
        }
    }

    /// The phone-number JID of a user, e.g. `15551234567@s.whatsapp.net`.
    ///
    /// `phone` is the number in international form without `+` (see the broadcast module for
    /// E.164 normalisation of user input).
    pub fn user_jid(phone: impl Into<String>) -> Jid {
        Jid::new(phone, Server::User)
    }

    /// The bare server JID (`s.whatsapp.net`), the address of IQs to the server.
    pub fn server_jid() -> Jid {
        Jid::new("", Server::User)
    }

    /// This JID addressing one device of the same user.
    pub fn with_device(&self, device: u16) -> Jid {
        Jid {
            device,
            ..self.clone()
        }
    }

    /// This JID without agent and device: the user it belongs to.
    pub fn to_non_ad(&self) -> Jid {
        Jid {
            user: self.user.clone(),
            agent: 0,
            device: 0,
            integrator: 0,
            server: self.server,
        }
    }

    /// Whether this is a group JID (`@g.us`).
    pub fn is_group(&self) -> bool {
        self.server == Server::Group
    }

    /// Whether this is a LID JID (`@lid` or `@hosted.lid`).
    pub fn is_lid(&self) -> bool {
        matches!(self.server, Server::Lid | Server::HostedLid)
    }

    /// Whether this is a broadcast JID (a broadcast list or `status@broadcast`).
    pub fn is_broadcast(&self) -> bool {
        self.server == Server::Broadcast
    }

    /// Whether this is `status@broadcast`, the status (stories) feed.
    pub fn is_status_broadcast(&self) -> bool {
        self.server == Server::Broadcast && self.user == "status"
    }

    /// Whether the JID names a server only, without a user.
    pub fn is_server(&self) -> bool {
        self.user.is_empty()
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.user.is_empty() {
            return f.write_str(self.server.as_str());
        }
        f.write_str(&self.user)?;
        if self.server == Server::Bot && self.agent > 0 {
            write!(f, ".{}", self.agent)?;
        }
        if self.device > 0 {
            write!(f, ":{}", self.device)?;
        }
        write!(f, "@{}", self.server)
    }
}

impl FromStr for Jid {
    type Err = JidError;

    fn from_str(input: &str) -> Result<Jid, JidError> {
        let (user_part, server_name) = match input.rsplit_once('@') {
            Some((user, server)) => (user, server),
            None => ("", input),
        };
        let server = Server::from_name(server_name).ok_or_else(|| JidError::UnknownServer {
            input: input.to_owned(),
            server: server_name.to_owned(),
        })?;
        let mut jid = Jid::new(user_part, server);
        if let Some((user, device)) = user_part.split_once(':') {
            jid.device = device.parse().map_err(|_| JidError::InvalidDevice {
                input: input.to_owned(),
                device: device.to_owned(),
            })?;
            jid.user = user.to_owned();
            if server == Server::Bot {
                split_agent(&mut jid, input)?;
            }
        } else if user_part.contains('.') {
            match server {
                // Bots carry an agent: `13135550002.7@bot`.
                Server::Bot => split_agent(&mut jid, input)?,
                // The legacy `user.device@s.whatsapp.net` form, which whatsapp-rust also reads.
                Server::User => {
                    if let Some((user, device)) = user_part.split_once('.') {
                        jid.device = device.parse().map_err(|_| JidError::InvalidDevice {
                            input: input.to_owned(),
                            device: device.to_owned(),
                        })?;
                        jid.user = user.to_owned();
                    }
                }
                // Elsewhere a dot is part of the user (`12.34@lid`, `123.300@g.us`).
                _ => {}
            }
        }
        Ok(jid)
    }
}

fn split_agent(jid: &mut Jid, input: &str) -> Result<(), JidError> {
    if let Some((user, agent)) = jid.user.split_once('.') {
        let agent_value = agent.parse().map_err(|_| JidError::InvalidAgent {
            input: input.to_owned(),
            agent: agent.to_owned(),
        })?;
        jid.user = user.to_owned();
        jid.agent = agent_value;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_common_forms() {
        for text in [
            "15551234567@s.whatsapp.net",
            "15551234567:12@s.whatsapp.net",
            "123456789012345:3@lid",
            "120363012345678901@g.us",
            "status@broadcast",
            "13135550002.7:3@bot",
            "s.whatsapp.net",
        ] {
            let jid: Jid = text.parse().unwrap();
            assert_eq!(jid.to_string(), text);
        }
    }

    #[test]
    fn rejects_unknown_server_and_bad_device() {
        assert!(matches!(
            "a@example.com".parse::<Jid>(),
            Err(JidError::UnknownServer { .. })
        ));
        assert!(matches!(
            "1:x@s.whatsapp.net".parse::<Jid>(),
            Err(JidError::InvalidDevice { .. })
        ));
        assert!(matches!(
            "1:70000@s.whatsapp.net".parse::<Jid>(),
            Err(JidError::InvalidDevice { .. })
        ));
    }

    #[test]
    fn every_server_round_trips_its_name() {
        for server in Server::ALL {
            assert_eq!(Server::from_name(server.as_str()), Some(server));
        }
        assert_eq!(Server::from_name("example.com"), None);
    }

    #[test]
    fn classifies() {
        let group: Jid = "1-2@g.us".parse().unwrap();
        assert!(group.is_group() && !group.is_lid());
        let lid: Jid = "5:1@lid".parse().unwrap();
        assert!(lid.is_lid());
        assert_eq!(lid.to_non_ad(), Jid::new("5", Server::Lid));
        assert!(
            "status@broadcast"
                .parse::<Jid>()
                .unwrap()
                .is_status_broadcast()
        );
        assert!(Jid::server_jid().is_server());
    }
}
