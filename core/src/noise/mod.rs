//! The Noise transport of a WhatsApp Web connection, sans-IO.
//!
//! A connection starts with the connection header ([`WA_CONN_HEADER`], also the Noise
//! prologue), then a Noise `XX` handshake (`Noise_XX_25519_AESGCM_SHA256`) whose messages are
//! `HandshakeMessage` protobufs, in 3-byte-length frames ([`framing`]). The server proves its
//! static key with a certificate chain ([`cert`]); the client's final message carries its
//! `ClientPayload` (login or registration). After that every frame is AES-256-GCM with a
//! per-direction counter ([`TransportCipher`]).
//!
//! Nothing here touches a socket or a clock: bytes and `now` go in, bytes come out.
//!
//! Why not `snow`: WhatsApp's variant uses its 32-byte protocol name directly as the initial
//! hash and cipher key, and our tests check every intermediate `h`, `ck` and `k` against an
//! independent transcript; snow exposes neither. The symmetric state is a few dozen lines on
//! the same crates snow uses (x25519, AES-GCM, HKDF-SHA256), and owning it also lets the
//! transport keep each direction's AES key schedule between frames.
//!
//! ```
//! use wacast::curve::KeyPair;
//! use wacast::noise::{CertificateAuthority, ClientHandshake, ServerHandshake, WA_CONN_HEADER};
//!
//! let ca = CertificateAuthority::generate();
//! let server_static = KeyPair::generate();
//! let chain = ca.issue(&server_static.public, 0, u64::MAX);
//!
//! let (client, hello) = ClientHandshake::start(&WA_CONN_HEADER, KeyPair::generate(), KeyPair::generate());
//! let server = ServerHandshake::new(&WA_CONN_HEADER, KeyPair::generate(), server_static, chain);
//! let (server, server_hello) = server.read_client_hello(&hello)?;
//! let client = client.read_server_hello(&server_hello, &ca.verifier(), 1_700_000_000)?;
//! let (finish, mut client_cipher) = client.finish(b"client payload")?;
//! let done = server.read_client_finish(&finish)?;
//! assert_eq!(done.payload, b"client payload");
//!
//! let mut server_cipher = done.cipher;
//! let frame = client_cipher.encrypt(b"<iq/>")?;
//! assert_eq!(server_cipher.decrypt(&frame)?, b"<iq/>");
//! # Ok::<(), wacast::noise::NoiseError>(())
//! ```

pub mod cert;
mod error;
pub mod framing;
mod handshake;
mod symmetric;
mod transport;

pub use cert::{
    CertError, CertVerifier, CertificateAuthority, RootKey, SigningKey, WHATSAPP_ROOT_KEY,
};
pub use error::NoiseError;
pub use framing::{FrameReader, MAX_FRAME_LEN, write_frame};
pub use handshake::{
    ClientAwaitingFinish, ClientFinished, ClientHandshake, ServerAwaitingFinish, ServerHandshake,
};
pub use symmetric::SymmetricState;
pub use transport::{CipherState, TAG_LEN, TransportCipher};

/// The Noise protocol name, exactly 32 bytes: used directly as the initial hash.
pub const NOISE_MODE: &[u8; 32] = b"Noise_XX_25519_AESGCM_SHA256\0\0\0\0";

/// The connection header: `W`, `A`, protocol version 6, token dictionary version 3.
pub const WA_CONN_HEADER: [u8; 4] = [b'W', b'A', 6, 3];
