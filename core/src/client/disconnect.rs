//! Why a connection ended, and whether to come back.

use std::fmt;

use crate::binary::NodeRef;

/// Why a connection ended. Codes follow the server's `failure reason` / `stream:error code`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// 401: the device was unlinked (from the phone, or by logging out). Never reconnect;
    /// the stored keys are no longer valid.
    LoggedOut,
    /// 440: another connection with the same device took over. Not reconnected, so two
    /// processes never fight over one account.
    Replaced,
    /// 515: the server asks for a fresh connection (normal right after pairing). Reconnected
    /// at once.
    RestartRequired,
    /// 500: the server could not use the session; reconnect with backoff.
    BadSession,
    /// 403: the account is banned or the connection forbidden. Never reconnect.
    Forbidden,
    /// 405: WhatsApp refuses this client version. Set `ClientConfig::version` to the current
    /// WhatsApp Web version (see the release notes) and restart.
    ClientOutdated,
    /// 503: the service is unavailable; reconnect with backoff.
    ServiceUnavailable,
    /// 402: the account is temporarily banned. Not reconnected automatically; the app may try
    /// again after `expire`.
    TemporarilyBanned {
        /// Seconds until the ban ends, when the server said.
        expire: Option<u64>,
    },
    /// 411 (`<ib><downgrade_webclient/>`): the account cannot use this multi-device client.
    /// Not reconnected: the next connection would be refused the same way.
    MultideviceMismatch,
    /// The socket closed or failed (including the server ending the stream).
    ConnectionClosed,
    /// Nothing arrived for longer than the keepalive allows, or a handshake step timed out.
    TimedOut,
    /// Could not connect, or the handshake failed (bad certificate, bad MAC...).
    ConnectFailed(String),
    /// The app asked to stop.
    Stopped,
    /// Another failure or stream-error code.
    Other(u16),
}

impl DisconnectReason {
    /// The reason for a failure or stream-error status code.
    ///
    /// 406 ("unknown logout") counts as logged out, as the official clients treat it; 408 and
    /// 428 are the codes other libraries report for a lost and a closed connection.
    pub fn from_code(code: u16) -> DisconnectReason {
        match code {
            401 | 406 => DisconnectReason::LoggedOut,
            402 => DisconnectReason::TemporarilyBanned { expire: None },
            403 => DisconnectReason::Forbidden,
            405 => DisconnectReason::ClientOutdated,
            408 => DisconnectReason::TimedOut,
            411 => DisconnectReason::MultideviceMismatch,
            428 => DisconnectReason::ConnectionClosed,
            440 => DisconnectReason::Replaced,
            500 => DisconnectReason::BadSession,
            503 => DisconnectReason::ServiceUnavailable,
            515 => DisconnectReason::RestartRequired,
            other => DisconnectReason::Other(other),
        }
    }

    /// The reason carried by a `<failure>`, `<stream:error>` or `<ib><downgrade_webclient/>`
    /// node, if it is one.
    ///
    /// `<stream:error>` carries a `code` attribute, or a `<conflict/>` child: `type="replaced"`
    /// when another connection took over, `type="device_removed"` when the device was
    /// unlinked. Without either it is a bad session (500). `<failure>` carries `reason`
    /// (500 when absent) and, for a temporary ban, `expire` in seconds.
    pub fn from_node(node: &NodeRef<'_, '_>) -> Option<DisconnectReason> {
        let code_of = |key: &str| node.attr(key).and_then(|c| c.parse::<u16>().ok());
        if node.is("failure") {
            return Some(
                match DisconnectReason::from_code(code_of("reason").unwrap_or(500)) {
                    DisconnectReason::TemporarilyBanned { .. } => {
                        DisconnectReason::TemporarilyBanned {
                            expire: node.attr("expire").and_then(|e| e.parse().ok()),
                        }
                    }
                    reason => reason,
                },
            );
        }
        if node.is("stream:error") {
            let conflict = node.child("conflict");
            let removed = conflict
                .as_ref()
                .is_some_and(|c| c.attr_is("type", "device_removed"));
            if removed {
                return Some(DisconnectReason::LoggedOut);
            }
            if let Some(code) = code_of("code") {
                return Some(DisconnectReason::from_code(code));
            }
            if conflict.is_some() {
                return Some(DisconnectReason::Replaced);
            }
            return Some(DisconnectReason::BadSession);
        }
        if node.is("ib") && node.child("downgrade_webclient").is_some() {
            return Some(DisconnectReason::MultideviceMismatch);
        }
        None
    }

    /// Whether the client should connect again after this.
    pub fn should_reconnect(&self) -> bool {
        !matches!(
            self,
            DisconnectReason::LoggedOut
                | DisconnectReason::Replaced
                | DisconnectReason::Forbidden
                | DisconnectReason::ClientOutdated
                | DisconnectReason::TemporarilyBanned { .. }
                | DisconnectReason::MultideviceMismatch
                | DisconnectReason::Stopped
        )
    }

    /// Whether to reconnect immediately rather than after a backoff delay.
    pub fn reconnect_immediately(&self) -> bool {
        matches!(self, DisconnectReason::RestartRequired)
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::LoggedOut => f.write_str("logged out (401)"),
            DisconnectReason::Replaced => f.write_str("replaced by another connection (440)"),
            DisconnectReason::RestartRequired => f.write_str("restart required (515)"),
            DisconnectReason::BadSession => f.write_str("bad session (500)"),
            DisconnectReason::Forbidden => f.write_str("forbidden or banned (403)"),
            DisconnectReason::ClientOutdated => f.write_str(
                "client version outdated (405): set ClientConfig::version to the current WhatsApp Web version",
            ),
            DisconnectReason::ServiceUnavailable => f.write_str("service unavailable (503)"),
            DisconnectReason::TemporarilyBanned { expire: Some(s) } => {
                write!(f, "temporarily banned (402) for {s} s")
            }
            DisconnectReason::TemporarilyBanned { expire: None } => {
                f.write_str("temporarily banned (402)")
            }
            DisconnectReason::MultideviceMismatch => {
                f.write_str("multi-device mismatch (411): the account cannot use this client")
            }
            DisconnectReason::ConnectionClosed => f.write_str("connection closed"),
            DisconnectReason::TimedOut => f.write_str("timed out"),
            DisconnectReason::ConnectFailed(why) => write!(f, "connect failed: {why}"),
            DisconnectReason::Stopped => f.write_str("stopped by the app"),
            DisconnectReason::Other(code) => write!(f, "disconnected with code {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::{Node, NodeTree};

    fn reason(node: Node) -> Option<DisconnectReason> {
        let mut bytes = Vec::new();
        node.encode(&mut bytes).unwrap();
        let tree = NodeTree::decode(&bytes).unwrap();
        DisconnectReason::from_node(&tree.root())
    }

    #[test]
    fn maps_nodes_and_codes() {
        assert_eq!(
            reason(Node::new("failure").attr("reason", "401")),
            Some(DisconnectReason::LoggedOut)
        );
        assert_eq!(
            reason(Node::new("stream:error").attr("code", "515")),
            Some(DisconnectReason::RestartRequired)
        );
        assert_eq!(
            reason(
                Node::new("stream:error")
                    .children([Node::new("conflict").attr("type", "replaced")])
            ),
            Some(DisconnectReason::Replaced)
        );
        assert_eq!(
            reason(
                Node::new("stream:error")
                    .children([Node::new("conflict").attr("type", "device_removed")])
            ),
            Some(DisconnectReason::LoggedOut)
        );
        assert_eq!(
            reason(Node::new("stream:error")),
            Some(DisconnectReason::BadSession)
        );
        assert_eq!(
            reason(Node::new("failure")),
            Some(DisconnectReason::BadSession)
        );
        assert_eq!(
            reason(
                Node::new("failure")
                    .attr("reason", "402")
                    .attr("expire", "3600")
            ),
            Some(DisconnectReason::TemporarilyBanned { expire: Some(3600) })
        );
        assert_eq!(
            reason(Node::new("ib").children([Node::new("downgrade_webclient")])),
            Some(DisconnectReason::MultideviceMismatch)
        );
        assert_eq!(
            reason(Node::new("ib").children([Node::new("offline")])),
            None
        );
        assert_eq!(reason(Node::new("success")), None);
        for (code, reason) in [
            (403, DisconnectReason::Forbidden),
            (405, DisconnectReason::ClientOutdated),
            (406, DisconnectReason::LoggedOut),
            (408, DisconnectReason::TimedOut),
            (428, DisconnectReason::ConnectionClosed),
            (440, DisconnectReason::Replaced),
            (500, DisconnectReason::BadSession),
            (503, DisconnectReason::ServiceUnavailable),
            (599, DisconnectReason::Other(599)),
        ] {
            assert_eq!(DisconnectReason::from_code(code), reason);
        }
        for stays_down in [403, 405, 402, 411] {
            assert!(!DisconnectReason::from_code(stays_down).should_reconnect());
        }
        for comes_back in [408, 428, 500, 503, 599] {
            let reason = DisconnectReason::from_code(comes_back);
            assert!(reason.should_reconnect() && !reason.reconnect_immediately());
        }
        assert!(!DisconnectReason::LoggedOut.should_reconnect());
        assert!(!DisconnectReason::Replaced.should_reconnect());
        assert!(DisconnectReason::RestartRequired.reconnect_immediately());
        assert!(DisconnectReason::ConnectionClosed.should_reconnect());
        assert!(
            DisconnectReason::ClientOutdated
                .to_string()
                .contains("ClientConfig::version")
        );
    }
}
