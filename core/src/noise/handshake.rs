//! The XX handshake, both sides, as typed steps.
//!
//! ```text
//! client                                   server
//! ClientHello { e }              ──▶
//!                                ◀──  ServerHello { e, enc(s), enc(cert chain) }
//! ClientFinish { enc(s), enc(ClientPayload) } ──▶
//! ```
//!
//! Each side is a chain of states that consume themselves, so steps cannot run out of order.
//! The client switches to transport keys in the same call that produces the ClientFinish, so a
//! server frame that arrives right after it is never read with handshake keys.

use prost::Message;

use super::NoiseError;
use super::cert::CertVerifier;
use super::symmetric::SymmetricState;
use super::transport::TransportCipher;
use crate::curve::{KeyPair, PublicKey};
use crate::proto::wa::HandshakeMessage;
use crate::proto::wa::handshake_message::{ClientFinish, ClientHello, ServerHello};

fn public_key_of(bytes: &[u8], what: &'static str) -> Result<PublicKey, NoiseError> {
    <[u8; 32]>::try_from(bytes)
        .map(PublicKey::from_bytes)
        .map_err(|_| NoiseError::UnexpectedMessage(what))
}

fn start(header: &[u8], client_ephemeral: &PublicKey) -> SymmetricState {
    let mut state = SymmetricState::new();
    state.mix_hash(header);
    state.mix_hash(client_ephemeral.as_bytes());
    state
}

/// The client before it has heard from the server.
#[derive(Debug)]
pub struct ClientHandshake {
    state: SymmetricState,
    ephemeral: KeyPair,
    noise_key: KeyPair,
}

impl ClientHandshake {
    /// Starts a handshake with a fresh `ephemeral` key and the device's long-term `noise_key`;
    /// `header` is the connection header (the Noise prologue).
    ///
    /// Returns the state and the encoded `HandshakeMessage{ClientHello}` to send as the first
    /// frame (after the header).
    pub fn start(
        header: &[u8],
        ephemeral: KeyPair,
        noise_key: KeyPair,
    ) -> (ClientHandshake, Vec<u8>) {
        let state = start(header, &ephemeral.public);
        let hello = HandshakeMessage {
            client_hello: Some(ClientHello {
                ephemeral: Some(ephemeral.public.as_bytes().to_vec()),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        (
            ClientHandshake {
                state,
                ephemeral,
                noise_key,
            },
            hello,
        )
    }

    /// The symmetric state so far.
    pub fn state(&self) -> &SymmetricState {
        &self.state
    }

    /// Reads the server's `HandshakeMessage{ServerHello}`, checks its certificate chain with
    /// `verifier` at `now` (Unix seconds), and returns the state that can finish.
    pub fn read_server_hello(
        mut self,
        message: &[u8],
        verifier: &CertVerifier,
        now: u64,
    ) -> Result<ClientAwaitingFinish, NoiseError> {
        let hello = HandshakeMessage::decode(message)
            .map_err(|_| NoiseError::UnexpectedMessage("not a HandshakeMessage"))?
            .server_hello
            .ok_or(NoiseError::UnexpectedMessage("no ServerHello"))?;
        let (Some(ephemeral), Some(encrypted_static), Some(encrypted_payload)) =
            (hello.ephemeral, hello.r#static, hello.payload)
        else {
            return Err(NoiseError::UnexpectedMessage(
                "ServerHello is missing a part",
            ));
        };
        let server_ephemeral = public_key_of(&ephemeral, "server ephemeral key is not 32 bytes")?;
        self.state.mix_hash(server_ephemeral.as_bytes());
        self.state
            .mix_key(&self.ephemeral.private.agree(&server_ephemeral));
        let static_bytes = self
            .state
            .decrypt_and_hash(&encrypted_static, "server static key")?;
        let server_static = public_key_of(&static_bytes, "server static key is not 32 bytes")?;
        self.state
            .mix_key(&self.ephemeral.private.agree(&server_static));
        let chain = self
            .state
            .decrypt_and_hash(&encrypted_payload, "certificate chain")?;
        verifier.verify(&chain, &server_static, now)?;
        Ok(ClientAwaitingFinish {
            state: self.state,
            noise_key: self.noise_key,
            server_ephemeral,
            server_static,
        })
    }
}

/// The client after a verified ServerHello.
#[derive(Debug)]
pub struct ClientAwaitingFinish {
    state: SymmetricState,
    noise_key: KeyPair,
    server_ephemeral: PublicKey,
    server_static: PublicKey,
}

impl ClientAwaitingFinish {
    /// The symmetric state so far.
    pub fn state(&self) -> &SymmetricState {
        &self.state
    }

    /// The server's verified static key.
    pub fn server_static(&self) -> PublicKey {
        self.server_static
    }

    /// Builds the `HandshakeMessage{ClientFinish}` carrying the encoded `client_payload` and
    /// switches to transport keys at once.
    ///
    /// Returns the message to send and the transport cipher for every later frame.
    pub fn finish(self, client_payload: &[u8]) -> Result<(Vec<u8>, TransportCipher), NoiseError> {
        let (message, state) = self.finish_with_state(client_payload)?;
        let (send, recv) = state.split();
        Ok((message, TransportCipher::new(&send, &recv)))
    }

    /// Like [`ClientAwaitingFinish::finish`], returning the final symmetric state instead of
    /// the cipher (for transcripts and test vectors).
    pub fn finish_with_state(
        mut self,
        client_payload: &[u8],
    ) -> Result<(Vec<u8>, SymmetricState), NoiseError> {
        let encrypted_static = self
            .state
            .encrypt_and_hash(self.noise_key.public.as_bytes())?;
        self.state
            .mix_key(&self.noise_key.private.agree(&self.server_ephemeral));
        let encrypted_payload = self.state.encrypt_and_hash(client_payload)?;
        let message = HandshakeMessage {
            client_finish: Some(ClientFinish {
                r#static: Some(encrypted_static),
                payload: Some(encrypted_payload),
            }),
            ..Default::default()
        }
        .encode_to_vec();
        Ok((message, self.state))
    }
}

/// The server waiting for a ClientHello.
#[derive(Debug)]
pub struct ServerHandshake {
    header: Vec<u8>,
    ephemeral: KeyPair,
    static_key: KeyPair,
    cert_chain: Vec<u8>,
}

impl ServerHandshake {
    /// A server handshake with its `static_key`, a fresh `ephemeral` key, and the encoded
    /// certificate chain for its static key. `header` is the connection header the client sent.
    pub fn new(
        header: &[u8],
        ephemeral: KeyPair,
        static_key: KeyPair,
        cert_chain: Vec<u8>,
    ) -> ServerHandshake {
        ServerHandshake {
            header: header.to_vec(),
            ephemeral,
            static_key,
            cert_chain,
        }
    }

    /// Reads the client's `HandshakeMessage{ClientHello}` and returns the encoded
    /// `HandshakeMessage{ServerHello}` to send.
    pub fn read_client_hello(
        self,
        message: &[u8],
    ) -> Result<(ServerAwaitingFinish, Vec<u8>), NoiseError> {
        let hello = HandshakeMessage::decode(message)
            .map_err(|_| NoiseError::UnexpectedMessage("not a HandshakeMessage"))?
            .client_hello
            .ok_or(NoiseError::UnexpectedMessage("no ClientHello"))?;
        let client_ephemeral = public_key_of(
            hello.ephemeral.as_deref().unwrap_or_default(),
            "client ephemeral key is not 32 bytes",
        )?;
        let mut state = start(&self.header, &client_ephemeral);
        state.mix_hash(self.ephemeral.public.as_bytes());
        state.mix_key(&self.ephemeral.private.agree(&client_ephemeral));
        let encrypted_static = state.encrypt_and_hash(self.static_key.public.as_bytes())?;
        state.mix_key(&self.static_key.private.agree(&client_ephemeral));
        let encrypted_payload = state.encrypt_and_hash(&self.cert_chain)?;
        let reply = HandshakeMessage {
            server_hello: Some(ServerHello {
                ephemeral: Some(self.ephemeral.public.as_bytes().to_vec()),
                r#static: Some(encrypted_static),
                payload: Some(encrypted_payload),
            }),
            ..Default::default()
        }
        .encode_to_vec();
        Ok((
            ServerAwaitingFinish {
                state,
                ephemeral: self.ephemeral,
            },
            reply,
        ))
    }
}

/// The server after sending its ServerHello.
#[derive(Debug)]
pub struct ServerAwaitingFinish {
    state: SymmetricState,
    ephemeral: KeyPair,
}

/// What the server learns from a completed handshake.
#[derive(Debug)]
pub struct ClientFinished {
    /// The client's long-term noise key: identifies a returning device.
    pub client_static: PublicKey,
    /// The encoded `ClientPayload`.
    pub payload: Vec<u8>,
    /// The server's transport cipher.
    pub cipher: TransportCipher,
}

impl ServerAwaitingFinish {
    /// The symmetric state so far.
    pub fn state(&self) -> &SymmetricState {
        &self.state
    }

    /// Reads the client's `HandshakeMessage{ClientFinish}`.
    pub fn read_client_finish(mut self, message: &[u8]) -> Result<ClientFinished, NoiseError> {
        let finish = HandshakeMessage::decode(message)
            .map_err(|_| NoiseError::UnexpectedMessage("not a HandshakeMessage"))?
            .client_finish
            .ok_or(NoiseError::UnexpectedMessage("no ClientFinish"))?;
        let (Some(encrypted_static), Some(encrypted_payload)) = (finish.r#static, finish.payload)
        else {
            return Err(NoiseError::UnexpectedMessage(
                "ClientFinish is missing a part",
            ));
        };
        let static_bytes = self
            .state
            .decrypt_and_hash(&encrypted_static, "client static key")?;
        let client_static = public_key_of(&static_bytes, "client static key is not 32 bytes")?;
        self.state
            .mix_key(&self.ephemeral.private.agree(&client_static));
        let payload = self
            .state
            .decrypt_and_hash(&encrypted_payload, "client payload")?;
        let (client_send, client_recv) = self.state.split();
        Ok(ClientFinished {
            client_static,
            payload,
            cipher: TransportCipher::new(&client_recv, &client_send),
        })
    }
}
