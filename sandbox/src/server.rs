//! The listener, shared state, and the operations tests and the control API call.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use wacast::binary::Node;
use wacast::curve::{KeyPair, PublicKey};
use wacast::jid::Jid;
use wacast::noise::{CertVerifier, CertificateAuthority, RootKey};

use crate::connection::{self, ConnectionInfo};
use crate::fault::Fault;
use crate::registry::Registry;
use crate::router::{Route, StanzaHandler, StanzaRouter};

/// How many faults and stanzas may wait for one connection's task.
pub(crate) const CONNECTION_QUEUE: usize = 1024;

/// What tests and handlers send to one connection's task.
#[derive(Debug)]
pub(crate) enum ToConnection {
    /// Apply a fault.
    Fault(Fault),
    /// Send a stanza to the client.
    Stanza(Node),
}

/// How to start a sandbox.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Largest WebSocket message and frame accepted from clients.
    pub max_message_len: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_message_len: 4 << 20,
        }
    }
}

/// Counters of what the server saw since it started (restarts included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// WebSocket upgrade requests, refused ones included.
    pub connection_attempts: u64,
    /// Upgrade requests refused while refusing connections or restarting.
    pub refused: u64,
    /// Completed Noise handshakes.
    pub handshakes: u64,
    /// Logins answered with `<success>`.
    pub logins: u64,
    /// New devices that sent registration data.
    pub registrations: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub connection_attempts: AtomicU64,
    pub refused: AtomicU64,
    pub handshakes: AtomicU64,
    pub logins: AtomicU64,
    pub registrations: AtomicU64,
}

pub(crate) struct LiveConnection {
    pub info: ConnectionInfo,
    pub queue: mpsc::Sender<ToConnection>,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub addr: SocketAddr,
    pub registry: Registry,
    pub ca: CertificateAuthority,
    pub static_key: KeyPair,
    pub cert_chain: Vec<u8>,
    pub connections: Mutex<HashMap<u64, LiveConnection>>,
    pub next_connection_id: AtomicU64,
    pub login_faults: Mutex<VecDeque<Fault>>,
    pub router: Mutex<StanzaRouter>,
    pub refuse_until: Mutex<Option<Instant>>,
    pub counters: Counters,
    /// Bumped on every restart: connections of an older epoch close.
    pub epoch: watch::Sender<u64>,
    pub server_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub(crate) fn refusing(&self) -> bool {
        lock(&self.refuse_until).is_some_and(|until| Instant::now() < until)
    }

    pub(crate) fn take_login_fault(&self) -> Option<Fault> {
        lock(&self.login_faults).pop_front()
    }

    pub(crate) fn add_connection(&self, id: u64, connection: LiveConnection) {
        lock(&self.connections).insert(id, connection);
    }

    pub(crate) fn update_connection(&self, id: u64, update: impl FnOnce(&mut ConnectionInfo)) {
        if let Some(live) = lock(&self.connections).get_mut(&id) {
            update(&mut live.info);
        }
    }

    pub(crate) fn remove_connection(&self, id: u64) {
        lock(&self.connections).remove(&id);
    }
}

/// A running sandbox. Cheap to clone: clones control the same server.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.shared.addr)
            .finish_non_exhaustive()
    }
}

async fn ws_handler(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    shared
        .counters
        .connection_attempts
        .fetch_add(1, Ordering::Relaxed);
    if shared.refusing() {
        shared.counters.refused.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::SERVICE_UNAVAILABLE, "refusing connections").into_response();
    }
    let max = shared.config.max_message_len;
    ws.max_message_size(max)
        .on_upgrade(move |socket| connection::handle(socket, shared))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/ws/chat", get(ws_handler))
        .nest("/control", crate::control::routes())
        .with_state(shared)
}

async fn serve(shared: Arc<Shared>, listener: TcpListener) {
    let mut epoch = shared.epoch.subscribe();
    let started_in = *epoch.borrow();
    let app = router(shared.clone());
    let shutdown = async move {
        while *epoch.borrow_and_update() == started_in {
            if epoch.changed().await.is_err() {
                return;
            }
        }
    };
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::warn!(%error, "sandbox server stopped");
    }
}

impl Sandbox {
    /// Starts a sandbox on a free loopback port.
    pub async fn start() -> std::io::Result<Sandbox> {
        Sandbox::start_with(SandboxConfig::default()).await
    }

    /// Starts a sandbox with `config`.
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let ca = CertificateAuthority::generate();
        let static_key = KeyPair::generate();
        // Valid from a day ago for ten years, like a long-lived server certificate.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let cert_chain = ca.issue(
            &static_key.public,
            now.saturating_sub(86_400),
            now + 10 * 365 * 86_400,
        );
        let (epoch, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            config,
            addr,
            registry: Registry::default(),
            ca,
            static_key,
            cert_chain,
            connections: Mutex::new(HashMap::new()),
            next_connection_id: AtomicU64::new(1),
            login_faults: Mutex::new(VecDeque::new()),
            router: Mutex::new(StanzaRouter::with_defaults()),
            refuse_until: Mutex::new(None),
            counters: Counters::default(),
            epoch,
            server_task: Mutex::new(None),
        });
        let task = tokio::spawn(serve(shared.clone(), listener));
        *lock(&shared.server_task) = Some(task);
        Ok(Sandbox { shared })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The WebSocket URL clients connect to.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws/chat", self.shared.addr)
    }

    /// The base URL of the control API.
    pub fn control_url(&self) -> String {
        format!("http://{}/control", self.shared.addr)
    }

    /// The root key clients must trust instead of WhatsApp's.
    pub fn root_key(&self) -> RootKey {
        self.shared.ca.root.public()
    }

    /// The root key in standard base64, as printed by `wacast sandbox`.
    pub fn root_key_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.root_key().to_bytes())
    }

    /// A certificate verifier trusting this sandbox.
    pub fn cert_verifier(&self) -> CertVerifier {
        self.shared.ca.verifier()
    }

    /// The server's registry of devices.
    pub fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    /// Adds a linked device (a registration stub until pairing lands): a client proving
    /// `noise_key` in the handshake and logging in as `jid` gets `<success>`.
    pub fn register_device(&self, noise_key: PublicKey, jid: Jid) {
        self.shared.registry.register_device(noise_key, jid);
    }

    /// The open connections.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        let mut list: Vec<ConnectionInfo> = lock(&self.shared.connections)
            .values()
            .map(|live| live.info.clone())
            .collect();
        list.sort_by_key(|info| info.id);
        list
    }

    /// Injects `fault` into connection `id`; `false` when no such connection is open.
    pub fn inject(&self, id: u64, fault: Fault) -> bool {
        lock(&self.shared.connections)
            .get(&id)
            .is_some_and(|live| live.queue.try_send(ToConnection::Fault(fault)).is_ok())
    }

    /// Injects `fault` into every open connection; returns how many.
    pub fn inject_all(&self, fault: Fault) -> usize {
        lock(&self.shared.connections)
            .values()
            .filter(|live| {
                live.queue
                    .try_send(ToConnection::Fault(fault.clone()))
                    .is_ok()
            })
            .count()
    }

    /// Routes client stanzas matching `route` to `handler` (see [`StanzaRouter`] for precedence).
    /// Later features (pairing, messaging, contacts) plug in this way.
    pub fn route(&self, route: Route, handler: std::sync::Arc<dyn StanzaHandler>) {
        lock(&self.shared.router).add(route, handler);
    }

    /// The current routing table (a snapshot).
    pub(crate) fn router(&self) -> StanzaRouter {
        lock(&self.shared.router).clone()
    }

    /// Sends `stanza` to the client on connection `id`; `false` when no such connection is
    /// open or its queue is full.
    pub fn send_to_connection(&self, id: u64, stanza: Node) -> bool {
        lock(&self.shared.connections)
            .get(&id)
            .is_some_and(|live| live.queue.try_send(ToConnection::Stanza(stanza)).is_ok())
    }

    /// Sends `stanza` to every open connection logged in as `device` (a device JID such as
    /// `15551234567:3@s.whatsapp.net`); returns how many took it.
    pub fn send_to_device(&self, device: &Jid, stanza: Node) -> usize {
        let wanted = device.to_string();
        lock(&self.shared.connections)
            .values()
            .filter(|live| live.info.jid.as_deref() == Some(wanted.as_str()))
            .filter(|live| {
                live.queue
                    .try_send(ToConnection::Stanza(stanza.clone()))
                    .is_ok()
            })
            .count()
    }

    /// Applies `fault` to each of the next `count` connections right after their login (or
    /// pairing offer, for new devices).
    pub fn on_next_logins(&self, count: usize, fault: Fault) {
        lock(&self.shared.login_faults).extend(std::iter::repeat_n(fault, count));
    }

    /// Refuses WebSocket upgrades (HTTP 503) for `duration`.
    pub fn refuse_connections(&self, duration: Duration) {
        *lock(&self.shared.refuse_until) = Some(Instant::now() + duration);
    }

    /// Stops the server (closing every connection), stays down for `downtime`, then listens
    /// again on the same address with the same keys and registry.
    pub async fn restart(&self, downtime: Duration) -> std::io::Result<()> {
        self.shared.epoch.send_modify(|epoch| *epoch += 1);
        let previous = lock(&self.shared.server_task).take();
        if let Some(task) = previous {
            let _ = task.await;
        }
        tokio::time::sleep(downtime).await;
        let mut last_error = None;
        for _ in 0..50 {
            match TcpListener::bind(self.shared.addr).await {
                Ok(listener) => {
                    let task = tokio::spawn(serve(self.shared.clone(), listener));
                    *lock(&self.shared.server_task) = Some(task);
                    return Ok(());
                }
                Err(error) => {
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        Err(last_error.unwrap_or_else(|| std::io::Error::other("could not rebind")))
    }

    /// What the server has seen.
    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        Stats {
            connection_attempts: c.connection_attempts.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            handshakes: c.handshakes.load(Ordering::Relaxed),
            logins: c.logins.load(Ordering::Relaxed),
            registrations: c.registrations.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Sandbox {
        Sandbox { shared }
    }
}
