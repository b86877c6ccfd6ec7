//! The connection driver: one task per account that connects, runs the Noise handshake, logs
//! in, pumps stanzas, keeps the connection alive and reconnects by the rules of
//! [`DisconnectReason`].
//!
//! All protocol decisions live in the sans-IO pieces (`noise`, `binary`, [`IqTracker`],
//! [`ReconnectPolicy`], [`DisconnectReason`]); this file only moves bytes and time between them.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prost::Message as _;
use tokio::sync::{mpsc, oneshot};

use super::backoff::ReconnectPolicy;
use super::credentials::Credentials;
use super::disconnect::DisconnectReason;
use super::events::Event;
use super::intro::connection_intro;
use super::iq::{IdGenerator, IqError, IqTracker};
use super::keepalive::{Keepalive, KeepaliveAction};
use super::payload::ClientIdentity;
use super::transport::{Connector, DEFAULT_ORIGIN, DEFAULT_URL, Transport};
use crate::binary::{self, Node, NodeTree};
use crate::curve::KeyPair;
use crate::noise::{
    CertVerifier, CipherState, ClientHandshake, FrameReader, TransportCipher, WA_CONN_HEADER,
    write_frame,
};

/// How a client connects.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The WebSocket URL.
    pub url: String,
    /// The Origin header.
    pub origin: String,
    /// Trusted root for the server's certificate chain (WhatsApp's by default).
    pub cert_verifier: CertVerifier,
    /// Version, OS and platform the client announces.
    pub identity: ClientIdentity,
    /// Reconnect delays.
    pub reconnect: ReconnectPolicy,
    /// How often to ping the server.
    pub keepalive_interval: Duration,
    /// How long past a missed keepalive the connection is declared dead.
    pub keepalive_grace: Duration,
    /// Limit for connecting and for each handshake step.
    pub connect_timeout: Duration,
    /// How long an IQ may wait for its response.
    pub iq_timeout: Duration,
    /// IQs that may wait at once.
    pub max_iqs_in_flight: usize,
    /// Largest frame accepted from the server.
    pub max_frame_len: usize,
    /// Events buffered before the driver waits for the app to read them.
    pub event_capacity: usize,
    /// Edge-routing info from an earlier connection ([`Event::RoutingInfo`]), sent before
    /// the header so the server routes this connection like the last.
    pub routing_info: Option<Vec<u8>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            url: DEFAULT_URL.to_string(),
            origin: DEFAULT_ORIGIN.to_string(),
            cert_verifier: CertVerifier::default(),
            identity: ClientIdentity::default(),
            reconnect: ReconnectPolicy::default(),
            keepalive_interval: Duration::from_secs(30),
            keepalive_grace: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(20),
            iq_timeout: Duration::from_secs(60),
            max_iqs_in_flight: 1024,
            max_frame_len: 4 << 20,
            event_capacity: 1024,
            routing_info: None,
        }
    }
}

/// Why a request to the client failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The client is between connections.
    #[error("not connected")]
    NotConnected,
    /// The client stopped.
    #[error("client stopped")]
    Stopped,
    /// The node could not be encoded.
    #[error("could not encode the node: {0}")]
    Encode(#[from] binary::BinaryError),
    /// The IQ failed.
    #[error(transparent)]
    Iq(#[from] IqError),
}

enum Command {
    Send(Node, oneshot::Sender<Result<(), ClientError>>),
    Request(Node, oneshot::Sender<Result<Node, ClientError>>),
    Stop,
}

/// A handle to a running client. Cheap to clone; the driver stops when [`Client::stop`] is
/// called or every handle is dropped.
#[derive(Clone, Debug)]
pub struct Client {
    commands: mpsc::Sender<Command>,
}

impl Client {
    /// Starts the driver task for one device and returns its handle and event stream.
    pub fn start(
        config: ClientConfig,
        credentials: Credentials,
        connector: Arc<dyn Connector>,
    ) -> (Client, mpsc::Receiver<Event>) {
        let (commands, command_rx) = mpsc::channel(256);
        let (events, event_rx) = mpsc::channel(config.event_capacity.max(1));
        let driver = Driver {
            config,
            credentials,
            connector,
            commands: command_rx,
            events,
            stop_requested: false,
        };
        tokio::spawn(driver.run());
        (Client { commands }, event_rx)
    }

    /// Sends a stanza.
    pub async fn send_node(&self, node: Node) -> Result<(), ClientError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Send(node, tx))
            .await
            .map_err(|_| ClientError::Stopped)?;
        rx.await.map_err(|_| ClientError::Stopped)?
    }

    /// Sends an `<iq>` (an `id` is assigned when absent) and waits for its response:
    /// `type="result"` comes back as the node, `type="error"` as [`IqError::ServerError`].
    pub async fn send_iq(&self, node: Node) -> Result<Node, ClientError> {
        self.request(node).await
    }

    /// Sends any stanza (an `id` is assigned when absent) and waits for the server's
    /// `<iq type="result"|"error">` or `<ack>` with the same id, under the IQ timeout.
    ///
    /// This is how a `<message>` learns its server ack: the `<ack>` comes back as the node,
    /// `error`, `t` and `phash` attributes included, for the caller to read.
    pub async fn request(&self, node: Node) -> Result<Node, ClientError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Request(node, tx))
            .await
            .map_err(|_| ClientError::Stopped)?;
        rx.await.map_err(|_| ClientError::Stopped)?
    }

    /// Stops the client: closes the connection and never reconnects.
    pub async fn stop(&self) {
        let _ = self.commands.send(Command::Stop).await;
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn random_u64() -> u64 {
    rand_core::RngCore::next_u64(&mut rand_core::OsRng)
}

type IqWaiter = oneshot::Sender<Result<Node, ClientError>>;

struct Driver {
    config: ClientConfig,
    credentials: Credentials,
    connector: Arc<dyn Connector>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    stop_requested: bool,
}

/// How one connection ended, and whether it had logged in.
struct Ended {
    reason: DisconnectReason,
    logged_in_at: Option<Instant>,
}

impl Driver {
    async fn emit(&self, event: Event) {
        // A dropped receiver only means the app stopped listening.
        let _ = self.events.send(event).await;
    }

    async fn run(mut self) {
        let mut attempt = 0u32;
        loop {
            self.emit(Event::Connecting { attempt }).await;
            let ended = self.run_connection().await;
            if let Some(at) = ended.logged_in_at {
                if at.elapsed() >= self.config.reconnect.stable_after {
                    attempt = 0;
                }
            }
            let reason = ended.reason;
            tracing::info!(%reason, "connection ended");
            self.emit(Event::Disconnected {
                reason: reason.clone(),
            })
            .await;
            if reason == DisconnectReason::LoggedOut {
                self.emit(Event::LoggedOut).await;
                break;
            }
            if self.stop_requested || !reason.should_reconnect() {
                break;
            }
            if reason.reconnect_immediately() {
                continue;
            }
            let backoff = self.config.reconnect.backoff(attempt, random_u64());
            attempt = attempt.saturating_add(1);
            self.emit(Event::ReconnectScheduled { attempt, backoff })
                .await;
            if !self.wait(backoff.delay).await {
                break;
            }
        }
        self.emit(Event::Stopped).await;
    }

    /// Waits between connections, refusing requests. `false` when the app asked to stop.
    async fn wait(&mut self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                command = self.commands.recv() => match command {
                    None | Some(Command::Stop) => {
                        self.stop_requested = true;
                        return false;
                    }
                    Some(Command::Send(_, reply)) => { let _ = reply.send(Err(ClientError::NotConnected)); }
                    Some(Command::Request(_, reply)) => { let _ = reply.send(Err(ClientError::NotConnected)); }
                },
            }
        }
    }

    async fn run_connection(&mut self) -> Ended {
        let not_logged_in = |reason| Ended {
            reason,
            logged_in_at: None,
        };
        let timeout = self.config.connect_timeout;
        let connect = self
            .connector
            .connect(&self.config.url, &self.config.origin);
        let mut transport = match tokio::time::timeout(timeout, connect).await {
            Err(_) => return not_logged_in(DisconnectReason::TimedOut),
            Ok(Err(e)) => return not_logged_in(DisconnectReason::ConnectFailed(e.to_string())),
            Ok(Ok(transport)) => transport,
        };
        let mut reader = FrameReader::new(self.config.max_frame_len);
        let cipher = match self.handshake(transport.as_mut(), &mut reader).await {
            Ok(cipher) => cipher,
            Err(reason) => {
                transport.close().await;
                return not_logged_in(reason);
            }
        };
        let ended = self.pump(transport.as_mut(), reader, cipher).await;
        transport.close().await;
        ended
    }

    async fn next_frame(
        &self,
        transport: &mut dyn Transport,
        reader: &mut FrameReader,
    ) -> Result<Vec<u8>, DisconnectReason> {
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => return Ok(frame),
                Ok(None) => {}
                Err(e) => return Err(DisconnectReason::ConnectFailed(e.to_string())),
            }
            match transport.recv().await {
                Ok(Some(bytes)) => reader.push(&bytes),
                Ok(None) => return Err(DisconnectReason::ConnectionClosed),
                Err(e) => return Err(DisconnectReason::ConnectFailed(e.to_string())),
            }
        }
    }

    async fn handshake(
        &self,
        transport: &mut dyn Transport,
        reader: &mut FrameReader,
    ) -> Result<TransportCipher, DisconnectReason> {
        let failed = |e: &dyn std::fmt::Display| DisconnectReason::ConnectFailed(e.to_string());
        let (handshake, hello) = ClientHandshake::start(
            &WA_CONN_HEADER,
            KeyPair::generate(),
            self.credentials.noise_key.clone(),
        );
        let mut first = connection_intro(self.config.routing_info.as_deref());
        write_frame(&hello, &mut first).map_err(|e| failed(&e))?;
        transport.send(first).await.map_err(|e| failed(&e))?;
        let server_hello = tokio::time::timeout(
            self.config.connect_timeout,
            self.next_frame(transport, reader),
        )
        .await
        .map_err(|_| DisconnectReason::TimedOut)??;
        let handshake = handshake
            .read_server_hello(&server_hello, &self.config.cert_verifier, unix_now())
            .map_err(|e| failed(&e))?;
        let payload = self
            .config
            .identity
            .payload(&self.credentials)
            .encode_to_vec();
        // Transport keys are in use from this call on.
        let (finish, cipher) = handshake.finish(&payload).map_err(|e| failed(&e))?;
        let mut framed = Vec::with_capacity(finish.len() + 3);
        write_frame(&finish, &mut framed).map_err(|e| failed(&e))?;
        transport.send(framed).await.map_err(|e| failed(&e))?;
        Ok(cipher)
    }

    async fn pump(
        &mut self,
        transport: &mut dyn Transport,
        mut reader: FrameReader,
        cipher: TransportCipher,
    ) -> Ended {
        let (mut send, mut recv) = cipher.into_halves();
        let mut ids = IdGenerator::new(random_u64() as u32);
        let mut iqs: IqTracker<Option<IqWaiter>> = IqTracker::new(self.config.max_iqs_in_flight);
        let mut logged_in_at = None;
        let mut keepalive = Keepalive::new(
            Instant::now(),
            self.config.keepalive_interval,
            self.config.keepalive_grace,
        );

        let reason = 'connection: loop {
            // Each SendPing moves the next ping an interval ahead, so this ends at once.
            let keepalive_at = loop {
                match keepalive.poll(Instant::now()) {
                    KeepaliveAction::WaitUntil(at) => break at,
                    KeepaliveAction::Dead => break 'connection DisconnectReason::TimedOut,
                    KeepaliveAction::SendPing => {
                        let id = ids.next_id();
                        let ping = Node::new("iq")
                            .attr("id", &id)
                            .attr("to", "@s.whatsapp.net")
                            .attr("type", "get")
                            .attr("xmlns", "w:p")
                            .children([Node::new("ping")]);
                        // A full table only means this ping's answer is not tracked.
                        let _ = iqs.insert(id, Instant::now(), self.config.iq_timeout, None);
                        if send_node(transport, &mut send, &ping).await.is_err() {
                            break 'connection DisconnectReason::ConnectionClosed;
                        }
                    }
                }
            };
            let iq_deadline = iqs
                .next_deadline()
                .map(tokio::time::Instant::from_std)
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                received = transport.recv() => {
                    let bytes = match received {
                        Ok(Some(bytes)) => bytes,
                        Ok(None) => break DisconnectReason::ConnectionClosed,
                        Err(_) => break DisconnectReason::ConnectionClosed,
                    };
                    keepalive.on_received(Instant::now());
                    reader.push(&bytes);
                    match self.read_frames(&mut reader, &mut recv, &mut send, transport, &mut iqs, &mut logged_in_at, &mut ids).await {
                        Ok(()) => {}
                        Err(reason) => break reason,
                    }
                }
                command = self.commands.recv() => {
                    match command {
                        None | Some(Command::Stop) => {
                            self.stop_requested = true;
                            break DisconnectReason::Stopped;
                        }
                        Some(Command::Send(node, reply)) => {
                            match send_node(transport, &mut send, &node).await {
                                Ok(()) => { let _ = reply.send(Ok(())); }
                                Err(SendFailure::Encode(e)) => { let _ = reply.send(Err(ClientError::Encode(e))); }
                                Err(SendFailure::Closed) => {
                                    let _ = reply.send(Err(ClientError::NotConnected));
                                    break DisconnectReason::ConnectionClosed;
                                }
                            }
                        }
                        Some(Command::Request(mut node, reply)) => {
                            if iqs.is_full() {
                                let _ = reply.send(Err(ClientError::Iq(IqError::TooManyInFlight(self.config.max_iqs_in_flight))));
                                continue;
                            }
                            let id = match node.get_attr("id") {
                                Some(id) => id.to_string(),
                                None => {
                                    let id = ids.next_id();
                                    node.attrs.insert(0, ("id".to_string(), id.clone()));
                                    id
                                }
                            };
                            match send_node(transport, &mut send, &node).await {
                                Ok(()) => {
                                    // Checked `is_full` above: this cannot be refused.
                                    let _ = iqs.insert(id, Instant::now(), self.config.iq_timeout, Some(reply));
                                }
                                Err(SendFailure::Encode(e)) => { let _ = reply.send(Err(ClientError::Encode(e))); }
                                Err(SendFailure::Closed) => {
                                    let _ = reply.send(Err(ClientError::NotConnected));
                                    break DisconnectReason::ConnectionClosed;
                                }
                            }
                        }
                    }
                }
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(keepalive_at)) => {}
                () = tokio::time::sleep_until(iq_deadline) => {
                    for (id, waiter) in iqs.take_expired(Instant::now()) {
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(Err(ClientError::Iq(IqError::TimedOut(id))));
                        }
                    }
                }
            }
        };
        for (id, waiter) in iqs.drain() {
            if let Some(waiter) = waiter {
                let _ = waiter.send(Err(ClientError::Iq(IqError::Disconnected(id))));
            }
        }
        Ended {
            reason,
            logged_in_at,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn read_frames(
        &mut self,
        reader: &mut FrameReader,
        recv: &mut CipherState,
        send: &mut CipherState,
        transport: &mut dyn Transport,
        iqs: &mut IqTracker<Option<IqWaiter>>,
        logged_in_at: &mut Option<Instant>,
        ids: &mut IdGenerator,
    ) -> Result<(), DisconnectReason> {
        loop {
            let mut frame = match reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(DisconnectReason::ConnectFailed(e.to_string())),
            };
            recv.decrypt_in_place(&mut frame)
                .map_err(|e| DisconnectReason::ConnectFailed(e.to_string()))?;
            let body = binary::unpack_frame(&frame)
                .map_err(|e| DisconnectReason::ConnectFailed(e.to_string()))?;
            let tree = NodeTree::decode(&body)
                .map_err(|e| DisconnectReason::ConnectFailed(e.to_string()))?;
            let node = tree.root();
            tracing::trace!(%node, "received");
            if let Some(reason) = DisconnectReason::from_node(&node) {
                return Err(reason);
            }
            if node.is("xmlstreamend") {
                return Err(DisconnectReason::ConnectionClosed);
            }
            if node.is("success") {
                *logged_in_at = Some(Instant::now());
                let lid = node.attr("lid").and_then(|lid| lid.parse().ok());
                let server_time = node.attr("t").and_then(|t| t.parse().ok());
                if self.credentials.jid.is_some() {
                    let active = Node::new("iq")
                        .attr("id", ids.next_id())
                        .attr("to", "@s.whatsapp.net")
                        .attr("type", "set")
                        .attr("xmlns", "passive")
                        .children([Node::new("active")]);
                    send_node(transport, send, &active)
                        .await
                        .map_err(|_| DisconnectReason::ConnectionClosed)?;
                }
                self.emit(Event::Connected { lid, server_time }).await;
                continue;
            }
            let routing_info = node
                .child("edge_routing")
                .and_then(|edge| edge.child("routing_info"))
                .and_then(|info| info.content_bytes())
                .map(|info| info.into_owned());
            if let Some(info) = routing_info.filter(|_| node.is("ib")) {
                self.config.routing_info = Some(info.clone());
                self.emit(Event::RoutingInfo(info)).await;
                continue;
            }
            if node.is("ack") {
                let waiter = node.attr("id").and_then(|id| iqs.complete(&id));
                if let Some(waiter) = waiter {
                    if let Some(waiter) = waiter {
                        let _ = waiter.send(Ok(node.to_owned_node()));
                    }
                    continue;
                }
            }
            if node.is("iq") {
                let id = node
                    .attr("id")
                    .map(|id| id.into_owned())
                    .unwrap_or_default();
                let kind = node.attr("type");
                match kind.as_deref() {
                    Some("result") | Some("error") => {
                        if let Some(waiter) = iqs.complete(&id).flatten() {
                            let owned = node.to_owned_node();
                            let result = if kind.as_deref() == Some("error") {
                                let error = owned.child("error");
                                Err(ClientError::Iq(IqError::ServerError {
                                    id,
                                    code: error
                                        .and_then(|e| e.get_attr("code"))
                                        .and_then(|c| c.parse().ok())
                                        .unwrap_or(0),
                                    text: error
                                        .and_then(|e| e.get_attr("text"))
                                        .unwrap_or_default()
                                        .to_string(),
                                }))
                            } else {
                                Ok(owned)
                            };
                            let _ = waiter.send(result);
                        }
                        continue;
                    }
                    Some("get") if node.attr("xmlns").as_deref() == Some("urn:xmpp:ping") => {
                        let pong = Node::new("iq")
                            .attr("id", &id)
                            .attr("to", "@s.whatsapp.net")
                            .attr("type", "result");
                        send_node(transport, send, &pong)
                            .await
                            .map_err(|_| DisconnectReason::ConnectionClosed)?;
                        continue;
                    }
                    Some("set") if node.child("pair-device").is_some() => {
                        let refs = node
                            .child("pair-device")
                            .map(|pd| {
                                pd.children()
                                    .filter(|c| c.is("ref"))
                                    .filter_map(|c| c.content_bytes())
                                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                                    .collect()
                            })
                            .unwrap_or_default();
                        let ack = Node::new("iq")
                            .attr("id", &id)
                            .attr("to", "@s.whatsapp.net")
                            .attr("type", "result");
                        send_node(transport, send, &ack)
                            .await
                            .map_err(|_| DisconnectReason::ConnectionClosed)?;
                        self.emit(Event::PairingRequired { refs }).await;
                        continue;
                    }
                    _ => {}
                }
            }
            self.emit(Event::Stanza(node.to_owned_node())).await;
        }
    }
}

/// Why a stanza could not be sent.
enum SendFailure {
    /// The node cannot be encoded; the connection is fine.
    Encode(binary::BinaryError),
    /// The connection cannot carry it (closed, counter exhausted, frame too large).
    Closed,
}

async fn send_node(
    transport: &mut dyn Transport,
    cipher: &mut CipherState,
    node: &Node,
) -> Result<(), SendFailure> {
    let mut frame = binary::encode_frame(node).map_err(SendFailure::Encode)?;
    tracing::trace!(%node, "sending");
    cipher
        .encrypt_in_place(&mut frame)
        .map_err(|_| SendFailure::Closed)?;
    let mut out = Vec::with_capacity(frame.len() + 3);
    write_frame(&frame, &mut out).map_err(|_| SendFailure::Closed)?;
    transport.send(out).await.map_err(|_| SendFailure::Closed)
}
