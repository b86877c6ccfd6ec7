//! The byte pipe under a connection: a [`Transport`] trait and its WebSocket implementation.
//!
//! The protocol layers never see sockets; the connection driver talks to a `Transport`, so
//! tests and other runtimes can supply their own.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::Message;
use tokio_tungstenite::{Connector as TlsConnector, MaybeTlsStream, WebSocketStream};

/// WhatsApp Web's WebSocket endpoint.
pub const DEFAULT_URL: &str = "wss://web.whatsapp.com/ws/chat";

/// The `Origin` header web clients send.
pub const DEFAULT_ORIGIN: &str = "https://web.whatsapp.com";

/// Why the transport failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Connecting failed (DNS, TCP, TLS, HTTP upgrade refused...).
    #[error("could not connect to {url}: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Sending or receiving failed on an open connection.
    #[error("transport I/O failed: {0}")]
    Io(String),
}

/// A connected, message-oriented byte pipe (one WebSocket connection).
#[async_trait]
pub trait Transport: Send {
    /// Sends one binary message.
    async fn send(&mut self, data: Vec<u8>) -> Result<(), TransportError>;
    /// The next binary message; `None` once the peer closed. Cancel-safe.
    async fn recv(&mut self) -> Result<Option<Vec<u8>>, TransportError>;
    /// Closes the connection.
    async fn close(&mut self);
}

/// Opens transports.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Connects to `url`, sending `origin` as the Origin header.
    async fn connect(&self, url: &str, origin: &str) -> Result<Box<dyn Transport>, TransportError>;
}

/// WebSockets over TCP, with TLS (rustls, ring provider, Mozilla's roots) for `wss://`.
#[derive(Clone)]
pub struct WebSocketConnector {
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for WebSocketConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebSocketConnector")
    }
}

impl WebSocketConnector {
    /// A connector trusting the webpki (Mozilla) root certificates.
    pub fn new() -> Result<WebSocketConnector, TransportError> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Connect {
            url: String::new(),
            reason: format!("TLS configuration: {e}"),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(WebSocketConnector { tls: Arc::new(tls) })
    }
}

#[async_trait]
impl Connector for WebSocketConnector {
    async fn connect(&self, url: &str, origin: &str) -> Result<Box<dyn Transport>, TransportError> {
        let error = |reason: String| TransportError::Connect {
            url: url.to_string(),
            reason,
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| error(e.to_string()))?;
        let origin = HeaderValue::from_str(origin).map_err(|e| error(e.to_string()))?;
        request.headers_mut().insert("Origin", origin);
        let (stream, _) = tokio_tungstenite::connect_async_tls_with_config(
            request,
            None,
            false,
            Some(TlsConnector::Rustls(self.tls.clone())),
        )
        .await
        .map_err(|e| error(e.to_string()))?;
        Ok(Box::new(WebSocketTransport { stream }))
    }
}

/// One WebSocket connection.
pub struct WebSocketTransport {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

#[async_trait]
impl Transport for WebSocketTransport {
    async fn send(&mut self, data: Vec<u8>) -> Result<(), TransportError> {
        self.stream
            .send(Message::Binary(data.into()))
            .await
            .map_err(|e| TransportError::Io(e.to_string()))
    }

    async fn recv(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        loop {
            match self.stream.next().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Ok(Message::Binary(data))) => return Ok(Some(data.to_vec())),
                // Pings are answered by tungstenite; text frames are not part of the protocol.
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(TransportError::Io(e.to_string())),
            }
        }
    }

    async fn close(&mut self) {
        let _ = self.stream.close(None).await;
    }
}
