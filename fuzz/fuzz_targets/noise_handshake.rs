//! The client's ServerHello processing and the server's ClientHello/ClientFinish processing on
//! arbitrary bytes, with fixed keys: never panics.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use wacast::curve::KeyPair;
use wacast::noise::{CertificateAuthority, ClientHandshake, ServerHandshake, WA_CONN_HEADER};

static CA: LazyLock<CertificateAuthority> = LazyLock::new(CertificateAuthority::generate);

fuzz_target!(|data: &[u8]| {
    let key = |seed: u8| KeyPair::from_private_bytes([seed; 32]);
    let ca = &*CA;

    let (client, hello) = ClientHandshake::start(&WA_CONN_HEADER, key(1), key(2));
    let _ = client.read_server_hello(data, &ca.verifier(), 1_800_000_000);

    let server = ServerHandshake::new(&WA_CONN_HEADER, key(3), key(4), ca.issue(&key(4).public, 0, u64::MAX));
    let _ = ServerHandshake::new(&WA_CONN_HEADER, key(3), key(4), Vec::new()).read_client_hello(data);
    if let Ok((server, _)) = server.read_client_hello(&hello) {
        let _ = server.read_client_finish(data);
    }
});
