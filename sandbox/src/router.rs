//! Routing of client stanzas to handlers, by tag, `xmlns` and `type`.
//!
//! The connection core only speaks the transport (handshake, login, faults); everything a
//! client asks after login goes through a [`StanzaRouter`]. Features plug in by adding routes —
//! pairing adds `iq set md`, messaging adds `message`, `receipt`, `iq get usync`, … — without
//! touching the connection code. A handler answers on the same connection by returning nodes
//! and reaches other devices with [`crate::Sandbox::send_to_device`].

use std::sync::Arc;

use wacast::binary::Node;
use wacast::jid::Jid;

use crate::Sandbox;

/// Which stanzas a route takes. `None` fields match anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The stanza tag (`iq`, `message`, `receipt`, …).
    pub tag: String,
    /// The `xmlns` attribute.
    pub xmlns: Option<String>,
    /// The `type` attribute.
    pub kind: Option<String>,
}

impl Route {
    /// Every stanza with `tag`.
    pub fn tag(tag: impl Into<String>) -> Route {
        Route {
            tag: tag.into(),
            xmlns: None,
            kind: None,
        }
    }

    /// `<iq type=kind xmlns=xmlns>`.
    pub fn iq(kind: impl Into<String>, xmlns: impl Into<String>) -> Route {
        Route {
            tag: "iq".into(),
            xmlns: Some(xmlns.into()),
            kind: Some(kind.into()),
        }
    }

    /// Only stanzas with this `xmlns`.
    pub fn xmlns(mut self, xmlns: impl Into<String>) -> Route {
        self.xmlns = Some(xmlns.into());
        self
    }

    /// Only stanzas with this `type`.
    pub fn kind(mut self, kind: impl Into<String>) -> Route {
        self.kind = Some(kind.into());
        self
    }

    fn matches(&self, node: &Node) -> bool {
        let field = |want: &Option<String>, key: &str| {
            want.as_deref()
                .is_none_or(|want| node.get_attr(key) == Some(want))
        };
        self.tag == node.tag && field(&self.xmlns, "xmlns") && field(&self.kind, "type")
    }

    fn specificity(&self) -> usize {
        usize::from(self.xmlns.is_some()) + usize::from(self.kind.is_some())
    }
}

/// Where a stanza came from, for its handler.
#[derive(Debug)]
pub struct StanzaContext {
    /// The connection id (as in [`crate::Sandbox::connections`]).
    pub connection: u64,
    /// The logged-in device's JID; `None` for a new device that is registering.
    pub device: Option<Jid>,
    /// The sandbox, to reach its registry and other connections.
    pub sandbox: Sandbox,
}

impl StanzaContext {
    /// An `<iq type="result">` answering `request` (same id, from the server).
    pub fn result(&self, request: &Node) -> Node {
        Node::new("iq")
            .attr("from", "@s.whatsapp.net")
            .attr("id", request.get_attr("id").unwrap_or_default())
            .attr("type", "result")
    }

    /// An `<iq type="error">` answering `request` with `<error code text/>`.
    pub fn error(&self, request: &Node, code: u16, text: &str) -> Node {
        Node::new("iq")
            .attr("from", "@s.whatsapp.net")
            .attr("id", request.get_attr("id").unwrap_or_default())
            .attr("type", "error")
            .children([Node::new("error").attr("code", code).attr("text", text)])
    }
}

/// Handles one kind of stanza. Returns the nodes to send back on the same connection.
///
/// Handlers run on the connection's task: they must not block. Work that takes time (a
/// contact that reads after two seconds) is spawned and delivered later with
/// [`crate::Sandbox::send_to_device`].
pub trait StanzaHandler: Send + Sync {
    /// Handles `stanza` from the connection described by `context`.
    fn handle(&self, context: &StanzaContext, stanza: &Node) -> Vec<Node>;
}

impl<F> StanzaHandler for F
where
    F: Fn(&StanzaContext, &Node) -> Vec<Node> + Send + Sync,
{
    fn handle(&self, context: &StanzaContext, stanza: &Node) -> Vec<Node> {
        self(context, stanza)
    }
}

/// The table of routes. The most specific matching route wins (tag + xmlns + type over
/// tag + one of them over tag alone); among equally specific routes the one added last wins,
/// so a feature can replace a default.
#[derive(Clone, Default)]
pub struct StanzaRouter {
    routes: Vec<(Route, Arc<dyn StanzaHandler>)>,
}

impl std::fmt::Debug for StanzaRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.routes.iter().map(|(route, _)| route))
            .finish()
    }
}

impl StanzaRouter {
    /// The routes every sandbox starts with: keepalive pings (`iq get w:p`) and the
    /// passive/active switch (`iq set passive`) are answered with an empty result.
    pub fn with_defaults() -> StanzaRouter {
        let mut router = StanzaRouter::default();
        let empty_result = |context: &StanzaContext, stanza: &Node| vec![context.result(stanza)];
        router.add(Route::iq("get", "w:p"), Arc::new(empty_result));
        router.add(Route::iq("set", "passive"), Arc::new(empty_result));
        router
    }

    /// Adds a route.
    pub fn add(&mut self, route: Route, handler: Arc<dyn StanzaHandler>) {
        self.routes.push((route, handler));
    }

    /// The handler for `stanza`, if a route takes it.
    pub fn find(&self, stanza: &Node) -> Option<Arc<dyn StanzaHandler>> {
        self.routes
            .iter()
            .enumerate()
            .filter(|(_, (route, _))| route.matches(stanza))
            .max_by_key(|(index, (route, _))| (route.specificity(), *index))
            .map(|(_, (_, handler))| handler.clone())
    }

    /// The nodes to send back for `stanza`: its handler's answer or, for an unrouted
    /// `<iq type="get"|"set">`, a 501 `feature-not-implemented` error as the real server
    /// sends. Unrouted answers to the server's own IQs and other stanzas get nothing.
    pub fn dispatch(&self, context: &StanzaContext, stanza: &Node) -> Vec<Node> {
        if let Some(handler) = self.find(stanza) {
            return handler.handle(context, stanza);
        }
        let request = stanza.tag == "iq" && matches!(stanza.get_attr("type"), Some("get" | "set"));
        if request {
            tracing::debug!(%stanza, "no route for IQ");
            return vec![context.error(stanza, 501, "feature-not-implemented")];
        }
        tracing::debug!(%stanza, "no route for stanza");
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagging(tag: &'static str) -> Arc<dyn StanzaHandler> {
        Arc::new(move |_: &StanzaContext, _: &Node| vec![Node::new(tag)])
    }

    async fn context() -> StanzaContext {
        StanzaContext {
            connection: 1,
            device: None,
            sandbox: Sandbox::start().await.expect("loopback listener"),
        }
    }

    #[tokio::test]
    async fn the_most_specific_and_latest_route_wins() {
        let context = context().await;
        let answer = |router: &StanzaRouter, stanza: &Node| {
            router.find(stanza).and_then(|handler| {
                handler
                    .handle(&context, stanza)
                    .first()
                    .map(|n| n.tag.clone())
            })
        };
        let mut router = StanzaRouter::default();
        router.add(Route::tag("iq"), tagging("any-iq"));
        router.add(Route::tag("iq").xmlns("usync"), tagging("usync"));
        router.add(Route::iq("get", "usync"), tagging("usync-get"));
        router.add(Route::tag("message"), tagging("message"));
        router.add(Route::tag("message"), tagging("message-2"));
        let iq = |kind: &str, xmlns: &str| Node::new("iq").attr("type", kind).attr("xmlns", xmlns);
        assert_eq!(
            answer(&router, &iq("get", "usync")).as_deref(),
            Some("usync-get")
        );
        assert_eq!(
            answer(&router, &iq("set", "usync")).as_deref(),
            Some("usync")
        );
        assert_eq!(
            answer(&router, &iq("get", "w:p")).as_deref(),
            Some("any-iq")
        );
        assert_eq!(
            answer(&router, &Node::new("message")).as_deref(),
            Some("message-2")
        );
        assert_eq!(answer(&router, &Node::new("receipt")), None);
    }

    #[tokio::test]
    async fn unrouted_requests_get_501_and_the_rest_nothing() {
        let router = StanzaRouter::with_defaults();
        let context = context().await;
        let ping = Node::new("iq")
            .attr("id", "1.2-3")
            .attr("type", "get")
            .attr("xmlns", "w:p");
        let pong = router.dispatch(&context, &ping);
        assert_eq!(pong.len(), 1);
        assert_eq!(pong[0].get_attr("type"), Some("result"));
        assert_eq!(pong[0].get_attr("id"), Some("1.2-3"));
        let unknown = Node::new("iq")
            .attr("id", "9")
            .attr("type", "set")
            .attr("xmlns", "no:such");
        let error = router.dispatch(&context, &unknown);
        assert_eq!(error[0].get_attr("type"), Some("error"));
        assert_eq!(
            error[0].child("error").and_then(|e| e.get_attr("code")),
            Some("501")
        );
        let answer = Node::new("iq").attr("id", "9").attr("type", "result");
        assert!(router.dispatch(&context, &answer).is_empty());
        assert!(router.dispatch(&context, &Node::new("presence")).is_empty());
    }
}
