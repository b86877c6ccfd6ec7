//! One client connection: the server side of the handshake, login or registration, then
//! stanzas, with faults applied as they arrive.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use base64::Engine;
use prost::Message as _;
use serde::Serialize;
use tokio::sync::mpsc;
use wacast::binary::{self, Node, NodeTree};
use wacast::client::split_edge_routing;
use wacast::curve::{KeyPair, PublicKey};
use wacast::jid::Jid;
use wacast::noise::{CipherState, FrameReader, ServerHandshake, WA_CONN_HEADER, write_frame};
use wacast::proto::wa::ClientPayload;

use crate::Sandbox;
use crate::fault::Fault;
use crate::registry::PendingRegistration;
use crate::router::StanzaContext;
use crate::server::{CONNECTION_QUEUE, LiveConnection, Shared, ToConnection};

/// How long a client may take for each handshake step.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// What a connection is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// Still in the Noise handshake.
    Handshaking,
    /// A linked device that logged in.
    Login,
    /// A new device offered pairing refs.
    Registration,
}

/// An open connection, as listed by [`crate::Sandbox::connections`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectionInfo {
    /// The connection id, for fault injection.
    pub id: u64,
    /// What it is doing.
    pub kind: ConnectionKind,
    /// The device's Noise key (base64), once the handshake finished.
    pub noise_public_key: Option<String>,
    /// The logged-in device's JID.
    pub jid: Option<String>,
    /// The edge-routing info the client opened with (base64), if it sent one.
    pub edge_routing: Option<String>,
}

/// The routing info the sandbox hands out in `<ib><edge_routing>` after each login.
pub const ROUTING_INFO: &[u8] = b"sandbox-edge-routing";

/// Why a connection ended (for logs).
#[derive(Debug, thiserror::Error)]
enum End {
    #[error("client closed the connection")]
    Closed,
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("fault injected: {0:?}")]
    Fault(Fault),
    #[error("server restarting")]
    Restart,
    #[error("handshake timed out")]
    Timeout,
}

struct Session {
    socket: WebSocket,
    shared: Arc<Shared>,
    id: u64,
    reader: FrameReader,
    send: Option<CipherState>,
    recv: Option<CipherState>,
    delay: Option<Duration>,
    corrupt_next: bool,
    next_stanza: u64,
    device: Option<Jid>,
}

pub(crate) async fn handle(socket: WebSocket, shared: Arc<Shared>) {
    let id = shared.next_connection_id.fetch_add(1, Ordering::Relaxed);
    let (queue, queue_rx) = mpsc::channel(CONNECTION_QUEUE);
    shared.add_connection(
        id,
        LiveConnection {
            info: ConnectionInfo {
                id,
                kind: ConnectionKind::Handshaking,
                noise_public_key: None,
                jid: None,
                edge_routing: None,
            },
            queue,
        },
    );
    let max = shared.config.max_message_len;
    let mut session = Session {
        socket,
        shared: shared.clone(),
        id,
        reader: FrameReader::expecting_header(max, &WA_CONN_HEADER),
        send: None,
        recv: None,
        delay: None,
        corrupt_next: false,
        next_stanza: 0,
        device: None,
    };
    let end = session.run(queue_rx).await;
    tracing::debug!(connection = id, reason = %end, "sandbox connection ended");
    shared.remove_connection(id);
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Session {
    async fn next_frame(&mut self) -> Result<Vec<u8>, End> {
        loop {
            match self.reader.next_frame() {
                Ok(Some(frame)) => return Ok(frame),
                Ok(None) => {}
                Err(e) => return Err(End::Protocol(e.to_string())),
            }
            match self.socket.recv().await {
                Some(Ok(Message::Binary(bytes))) => self.reader.push(&bytes),
                Some(Ok(Message::Close(_))) | None => return Err(End::Closed),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(End::Protocol(e.to_string())),
            }
        }
    }

    async fn send_raw(&mut self, bytes: Vec<u8>) -> Result<(), End> {
        self.socket
            .send(Message::Binary(bytes.into()))
            .await
            .map_err(|_| End::Closed)
    }

    async fn send_node(&mut self, node: &Node) -> Result<(), End> {
        let Some(cipher) = self.send.as_mut() else {
            return Err(End::Protocol("no transport keys yet".into()));
        };
        let mut frame = binary::encode_frame(node).map_err(|e| End::Protocol(e.to_string()))?;
        cipher
            .encrypt_in_place(&mut frame)
            .map_err(|e| End::Protocol(e.to_string()))?;
        if std::mem::take(&mut self.corrupt_next) {
            if let Some(byte) = frame.first_mut() {
                *byte ^= 0xff;
            }
        }
        let mut out = Vec::with_capacity(frame.len() + 3);
        write_frame(&frame, &mut out).map_err(|e| End::Protocol(e.to_string()))?;
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        self.send_raw(out).await
    }

    fn stanza_id(&mut self) -> String {
        self.next_stanza += 1;
        format!("sandbox-{}-{}", self.id, self.next_stanza)
    }

    async fn run(&mut self, mut queue: mpsc::Receiver<ToConnection>) -> End {
        let mut epoch = self.shared.epoch.subscribe();
        let started_in = *epoch.borrow_and_update();
        let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.handshake());
        let result = tokio::select! {
            result = handshake => match result {
                Ok(result) => result,
                Err(_) => Err(End::Timeout),
            },
            _ = epoch.changed() => Err(End::Restart),
        };
        if let Err(end) = result {
            return end;
        }
        if let Some(fault) = self.shared.take_login_fault() {
            if let Err(end) = self.apply(fault).await {
                return end;
            }
        }
        loop {
            let step = tokio::select! {
                received = self.socket.recv() => self.on_message(received).await,
                queued = queue.recv() => match queued {
                    Some(ToConnection::Fault(fault)) => self.apply(fault).await,
                    Some(ToConnection::Stanza(node)) => self.send_node(&node).await,
                    None => Err(End::Restart),
                },
                changed = epoch.changed() => {
                    if changed.is_err() || *epoch.borrow() != started_in {
                        Err(End::Restart)
                    } else {
                        Ok(())
                    }
                }
            };
            if let Err(end) = step {
                let _ = self.socket.send(Message::Close(None)).await;
                return end;
            }
        }
    }

    /// Reads the optional edge-routing prefix, then hands the rest to the frame reader.
    async fn read_intro(&mut self) -> Result<(), End> {
        let mut buffer = Vec::new();
        loop {
            if let Some((info, used)) = split_edge_routing(&buffer) {
                if let Some(info) = info {
                    let info = base64::engine::general_purpose::STANDARD.encode(info);
                    self.shared
                        .update_connection(self.id, |c| c.edge_routing = Some(info));
                }
                self.reader.push(&buffer[used..]);
                return Ok(());
            }
            if buffer.len() > self.shared.config.max_message_len {
                return Err(End::Protocol("edge-routing prefix too long".into()));
            }
            match self.socket.recv().await {
                Some(Ok(Message::Binary(bytes))) => buffer.extend_from_slice(&bytes),
                Some(Ok(Message::Close(_))) | None => return Err(End::Closed),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(End::Protocol(e.to_string())),
            }
        }
    }

    async fn handshake(&mut self) -> Result<(), End> {
        self.read_intro().await?;
        let hello = self.next_frame().await?;
        let server = ServerHandshake::new(
            &WA_CONN_HEADER,
            KeyPair::generate(),
            self.shared.static_key.clone(),
            self.shared.cert_chain.clone(),
        );
        let (server, reply) = server
            .read_client_hello(&hello)
            .map_err(|e| End::Protocol(e.to_string()))?;
        let mut framed = Vec::with_capacity(reply.len() + 3);
        write_frame(&reply, &mut framed).map_err(|e| End::Protocol(e.to_string()))?;
        self.send_raw(framed).await?;
        let finish = self.next_frame().await?;
        let done = server
            .read_client_finish(&finish)
            .map_err(|e| End::Protocol(e.to_string()))?;
        self.shared
            .counters
            .handshakes
            .fetch_add(1, Ordering::Relaxed);
        let (send, recv) = done.cipher.into_halves();
        self.send = Some(send);
        self.recv = Some(recv);
        let noise_key = done.client_static;
        let key_b64 = base64::engine::general_purpose::STANDARD.encode(noise_key.as_bytes());
        self.shared
            .update_connection(self.id, |info| info.noise_public_key = Some(key_b64));
        let payload = ClientPayload::decode(done.payload.as_slice())
            .map_err(|e| End::Protocol(format!("ClientPayload: {e}")))?;
        if let Some(username) = payload.username {
            self.login(noise_key, username, payload.device.unwrap_or(0))
                .await
        } else if payload.device_pairing_data.is_some() {
            self.register(noise_key, &payload).await
        } else {
            self.fail(400, "ClientPayload has neither login nor registration data")
                .await
        }
    }

    async fn fail(&mut self, code: u16, why: &str) -> Result<(), End> {
        self.send_node(&Node::new("failure").attr("reason", code))
            .await?;
        Err(End::Protocol(format!("failure {code}: {why}")))
    }

    async fn login(&mut self, noise_key: PublicKey, username: u64, device: u32) -> Result<(), End> {
        let Some(record) = self.shared.registry.device(&noise_key) else {
            return self.fail(401, "unknown device").await;
        };
        if record.jid.user != username.to_string() || u32::from(record.jid.device) != device {
            return self
                .fail(401, "payload does not match the registered device")
                .await;
        }
        let jid = record.jid.to_string();
        let lid = self
            .shared
            .registry
            .lid_of(&record.jid.user)
            .with_device(record.jid.device);
        self.device = Some(record.jid.clone());
        self.shared.update_connection(self.id, |info| {
            info.kind = ConnectionKind::Login;
            info.jid = Some(jid);
        });
        self.shared.counters.logins.fetch_add(1, Ordering::Relaxed);
        let success = Node::new("success")
            .attr("t", now_unix())
            .attr("props", "1")
            .attr("location", "sandbox")
            .attr("lid", lid);
        self.send_node(&success).await?;
        let routing = Node::new("ib").children([Node::new("edge_routing")
            .children([Node::new("routing_info").bytes(ROUTING_INFO.to_vec())])]);
        self.send_node(&routing).await
    }

    async fn register(&mut self, noise_key: PublicKey, payload: &ClientPayload) -> Result<(), End> {
        let data = payload.device_pairing_data.clone().unwrap_or_default();
        let identity = data
            .e_ident
            .as_deref()
            .and_then(|b| PublicKey::from_slice(b).ok());
        let prekey = data
            .e_skey_val
            .as_deref()
            .and_then(|b| PublicKey::from_slice(b).ok());
        let registration_id = data
            .e_regid
            .as_deref()
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes);
        let (Some(identity), Some(prekey), Some(registration_id)) =
            (identity, prekey, registration_id)
        else {
            return self.fail(400, "incomplete registration data").await;
        };
        let signature = data.e_skey_sig.unwrap_or_default();
        if data.e_keytype.as_deref() != Some(&[wacast::curve::DJB_TYPE][..])
            || !identity.verify(&prekey.serialize(), &signature)
        {
            return self
                .fail(400, "signed prekey signature does not verify")
                .await;
        }
        self.shared.registry.add_pending(PendingRegistration {
            noise_key,
            identity_key: identity,
            registration_id,
        });
        self.shared
            .update_connection(self.id, |info| info.kind = ConnectionKind::Registration);
        self.shared
            .counters
            .registrations
            .fetch_add(1, Ordering::Relaxed);
        let connection = self.id;
        let refs: Vec<Node> = (0..6)
            .map(|n| {
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("sandbox-ref-{connection}-{n}-{}", now_unix()));
                Node::new("ref").bytes(format!("2@{token}").into_bytes())
            })
            .collect();
        let id = self.stanza_id();
        let offer = Node::new("iq")
            .attr("from", "@s.whatsapp.net")
            .attr("id", id)
            .attr("type", "set")
            .attr("xmlns", "md")
            .children([Node::new("pair-device").children(refs)]);
        self.send_node(&offer).await
    }

    async fn on_message(
        &mut self,
        received: Option<Result<Message, axum::Error>>,
    ) -> Result<(), End> {
        match received {
            Some(Ok(Message::Binary(bytes))) => self.reader.push(&bytes),
            Some(Ok(Message::Close(_))) | None => return Err(End::Closed),
            Some(Ok(_)) => return Ok(()),
            Some(Err(e)) => return Err(End::Protocol(e.to_string())),
        }
        loop {
            let mut frame = match self.reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(End::Protocol(e.to_string())),
            };
            let Some(recv) = self.recv.as_mut() else {
                return Err(End::Protocol("no transport keys".into()));
            };
            recv.decrypt_in_place(&mut frame)
                .map_err(|e| End::Protocol(e.to_string()))?;
            let body = binary::unpack_frame(&frame).map_err(|e| End::Protocol(e.to_string()))?;
            let tree = NodeTree::decode(&body).map_err(|e| End::Protocol(e.to_string()))?;
            let node = tree.root().to_owned_node();
            self.on_stanza(node).await?;
        }
    }

    async fn on_stanza(&mut self, node: Node) -> Result<(), End> {
        let context = StanzaContext {
            connection: self.id,
            device: self.device.clone(),
            sandbox: Sandbox::from_shared(self.shared.clone()),
        };
        let replies = context.sandbox.router().dispatch(&context, &node);
        for reply in &replies {
            self.send_node(reply).await?;
        }
        Ok(())
    }

    async fn apply(&mut self, fault: Fault) -> Result<(), End> {
        tracing::debug!(connection = self.id, ?fault, "injecting fault");
        match &fault {
            Fault::Drop => Err(End::Fault(fault)),
            Fault::StreamError { code } => {
                let node = Node::new("stream:error").attr("code", code);
                self.send_node(&node).await?;
                Err(End::Fault(fault))
            }
            Fault::Conflict => {
                let node = Node::new("stream:error")
                    .children([Node::new("conflict").attr("type", "replaced")]);
                self.send_node(&node).await?;
                Err(End::Fault(fault))
            }
            Fault::Failure { code } => {
                let node = Node::new("failure").attr("reason", code);
                if *code == 401 {
                    if let Some(key) = self.connection_noise_key() {
                        self.shared.registry.remove_device(&key);
                    }
                }
                self.send_node(&node).await?;
                Err(End::Fault(fault))
            }
            Fault::Stall { ms } => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                Ok(())
            }
            Fault::Delay { ms } => {
                self.delay = Some(Duration::from_millis(*ms));
                Ok(())
            }
            Fault::CorruptNextFrame => {
                self.corrupt_next = true;
                Ok(())
            }
        }
    }

    fn connection_noise_key(&self) -> Option<PublicKey> {
        let info = self
            .shared
            .connections
            .lock()
            .ok()?
            .get(&self.id)
            .map(|live| live.info.clone())?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(info.noise_public_key?)
            .ok()?;
        PublicKey::from_slice(&bytes).ok()
    }
}

/// Parses a JID sent over the control API.
pub(crate) fn parse_jid(text: &str) -> Result<Jid, String> {
    text.parse().map_err(|e| format!("{e}"))
}
