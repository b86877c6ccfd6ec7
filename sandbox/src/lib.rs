//! `wacast-sandbox`: a local WhatsApp-compatible server for tests and demos.
//!
//! It speaks the real wire protocol — the `WA` connection header, the Noise XX handshake with a
//! certificate chain of the real structure (its own root key), binary nodes, `success` /
//! `failure` / `stream:error` — so any compliant client can connect to it when given its root
//! key. It keeps a registry of accounts and devices, answers keepalive pings and IQs, and
//! injects faults on request: drop a socket, stall, delay or corrupt frames, send a stream
//! error or failure code, refuse connections for a while, restart the whole server.
//!
//! Everything the library API does, the HTTP control API under `/control/` does too, so tests
//! in other languages can drive it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wacast_sandbox::{Fault, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! println!("connect to {} trusting {:?}", sandbox.ws_url(), sandbox.root_key());
//! sandbox.on_next_logins(1, Fault::StreamError { code: 515 });
//! # Ok(())
//! # }
//! ```

mod connection;
mod control;
mod fault;
mod registry;
mod router;
mod server;

pub use connection::{ConnectionInfo, ConnectionKind, ROUTING_INFO};
pub use fault::Fault;
pub use registry::{DeviceRecord, PendingRegistration, Registry};
pub use router::{Route, StanzaContext, StanzaHandler, StanzaRouter};
pub use server::{Sandbox, SandboxConfig, Stats};
