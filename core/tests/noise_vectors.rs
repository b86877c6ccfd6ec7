//! The Noise handshake and transport against Baileys' recorded transcript (every
//! `noise*.json`): every handshake step, every message, the split keys and every transport frame
//! byte for byte, from the recorded keys; the server side reproduces the server's bytes; the
//! refused-certificate vector is refused.

mod common;

use prost::Message;
use serde_json::Value;
use wacast::binary;
use wacast::curve::KeyPair;
use wacast::noise::{
    CertError, CertVerifier, ClientHandshake, NoiseError, RootKey, ServerHandshake, SymmetricState,
    TransportCipher, write_frame,
};
use wacast::proto::wa::CertChain;

/// The vectors' certificates are valid from 1_700_000_000 to 1_900_000_000.
const NOW: u64 = 1_800_000_000;

fn bytes(v: &Value, key: &str) -> Vec<u8> {
    let value = v["inputs"].get(key).or_else(|| v["outputs"].get(key));
    common::hex_bytes(value.unwrap_or_else(|| panic!("vector has no {key}")))
}

fn key32(v: &Value, key: &str) -> [u8; 32] {
    bytes(v, key).try_into().expect("32-byte key")
}

fn pair(v: &Value, key: &str) -> KeyPair {
    let pair = KeyPair::from_private_bytes(key32(v, &format!("{key}_private")));
    assert_eq!(
        pair.public.as_bytes().to_vec(),
        bytes(v, &format!("{key}_public"))
    );
    pair
}

fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(payload, &mut out).unwrap();
    out
}

fn assert_step(state: &SymmetricState, step: &Value) {
    let name = step["step"].as_str().unwrap();
    assert_eq!(
        hex::encode(state.handshake_hash()),
        step["h"].as_str().unwrap(),
        "h after {name}"
    );
    assert_eq!(
        hex::encode(state.chaining_key()),
        step["ck"].as_str().unwrap(),
        "ck after {name}"
    );
    assert_eq!(
        hex::encode(state.cipher_key()),
        step["k"].as_str().unwrap(),
        "k after {name}"
    );
    assert_eq!(
        u64::from(state.nonce()),
        step["n"].as_u64().unwrap(),
        "n after {name}"
    );
}

/// Replays the recorded steps with the symmetric-state primitives and checks each one.
fn replay_steps(v: &Value) -> Vec<Value> {
    let steps = v["outputs"]["steps"].as_array().unwrap().clone();
    let header = bytes(v, "intro_header");
    let client_e = pair(v, "client_ephemeral");
    let client_s = pair(v, "client_static");
    let server_e = pair(v, "server_ephemeral");
    let server_s = pair(v, "server_static");
    let mut state = SymmetricState::new();
    for step in &steps {
        let name = step["step"].as_str().unwrap();
        if name == "init" {
        } else if name.starts_with("mixHash(intro header") {
            state.mix_hash(&header);
        } else if name == "mixHash(client ephemeral pub)" {
            state.mix_hash(client_e.public.as_bytes());
        } else if name == "mixHash(server ephemeral pub)" {
            state.mix_hash(server_e.public.as_bytes());
        } else if name == "mixKey(DH(client e, server e))" {
            state.mix_key(&client_e.private.agree(&server_e.public));
        } else if name.starts_with("decrypt(server static)") {
            let plain = state
                .decrypt_and_hash(&bytes(v, "server_hello_static_ciphertext"), "static")
                .unwrap();
            assert_eq!(plain, server_s.public.as_bytes().to_vec());
        } else if name == "mixKey(DH(client e, server s))" {
            state.mix_key(&client_e.private.agree(&server_s.public));
        } else if name.starts_with("decrypt(cert payload)") {
            let plain = state
                .decrypt_and_hash(&bytes(v, "server_hello_payload_ciphertext"), "cert")
                .unwrap();
            assert_eq!(plain, bytes(v, "cert_chain"));
        } else if name.starts_with("encrypt(client static pub)") {
            let ct = state.encrypt_and_hash(client_s.public.as_bytes()).unwrap();
            assert_eq!(ct, bytes(v, "client_finish_static_ciphertext"));
        } else if name == "mixKey(DH(client s, server e))" {
            state.mix_key(&client_s.private.agree(&server_e.public));
        } else if name.starts_with("encrypt(ClientPayload)") {
            let ct = state.encrypt_and_hash(&bytes(v, "client_payload")).unwrap();
            assert_eq!(ct, bytes(v, "client_finish_payload_ciphertext"));
        } else if name.starts_with("split") {
            let (send, recv) = state.split();
            assert_eq!(hex::encode(send), step["client_send_key"].as_str().unwrap());
            assert_eq!(hex::encode(recv), step["client_recv_key"].as_str().unwrap());
            continue;
        } else {
            panic!("unknown step {name}");
        }
        assert_step(&state, step);
    }
    steps
}

fn step_named<'a>(steps: &'a [Value], prefix: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["step"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no step {prefix}"))
}

fn verifier(v: &Value) -> CertVerifier {
    CertVerifier::new(RootKey::Ed25519(key32(v, "cert_root_ed25519_public")))
}

fn check_frames(v: &Value, client: &mut TransportCipher, server: &mut TransportCipher) {
    check_direction(v, "client_to_server", client, server);
    check_direction(v, "server_to_client", server, client);
}

fn check_direction(
    v: &Value,
    direction: &str,
    sender: &mut TransportCipher,
    receiver: &mut TransportCipher,
) {
    let frames = &v["outputs"]["frames"];
    {
        for frame in frames[direction].as_array().unwrap() {
            let plaintext = common::hex_bytes(&frame["plaintext"]);
            let expected = common::hex_bytes(&frame["frame"]);
            assert_eq!(
                sender.send.counter() as u64,
                frame["counter"].as_u64().unwrap()
            );
            let encrypted = framed(&sender.encrypt(&plaintext).unwrap());
            assert_eq!(
                encrypted, expected,
                "{direction} frame {}",
                frame["counter"]
            );
            let decrypted = receiver.decrypt(&expected[3..]).unwrap();
            assert_eq!(decrypted, plaintext);
            // The plaintext is a binary frame (flags byte, maybe zlib) holding the recorded node.
            let node = binary::decode_frame(&decrypted).unwrap();
            assert_eq!(node.tag, frame["node"]["tag"].as_str().unwrap());
            if frame["compressed"].as_bool() == Some(true) {
                assert_ne!(decrypted[0] & binary::FLAG_COMPRESSED, 0);
            }
        }
    }
}

#[test]
fn noise_vectors() {
    let mut full = 0;
    let mut refused = 0;
    for (file, json) in common::vector_files("noise") {
        for v in json["vectors"].as_array().unwrap() {
            let name = format!("{file}/{}", v["name"].as_str().unwrap());
            let steps = replay_steps(v);
            let header = bytes(v, "intro_header");

            // Client side, through the real handshake API.
            let (client, hello) = ClientHandshake::start(
                &header,
                pair(v, "client_ephemeral"),
                pair(v, "client_static"),
            );
            assert_eq!(hello, bytes(v, "client_hello_protobuf"), "{name}");
            let mut first_message = header.clone();
            first_message.extend(framed(&hello));
            assert_eq!(first_message, bytes(v, "client_hello_ws_message"), "{name}");
            assert_step(
                client.state(),
                step_named(&steps, "mixHash(client ephemeral"),
            );

            // Server side reproduces the ServerHello from the recorded server keys.
            let server = ServerHandshake::new(
                &header,
                pair(v, "server_ephemeral"),
                pair(v, "server_static"),
                bytes(v, "cert_chain"),
            );
            let (server, server_hello) = server.read_client_hello(&hello).unwrap();
            assert_eq!(server_hello, bytes(v, "server_hello_protobuf"), "{name}");
            assert_eq!(
                framed(&server_hello),
                bytes(v, "server_hello_frame"),
                "{name}"
            );
            assert_step(server.state(), step_named(&steps, "decrypt(cert payload)"));

            let result = client.read_server_hello(&server_hello, &verifier(v), NOW);
            if v["outputs"].get("baileys_error").is_some() {
                assert_eq!(
                    result.err(),
                    Some(NoiseError::Certificate(
                        CertError::WrongIntermediateIssuer {
                            expected: 0,
                            found: v["inputs"]["cert_intermediate_issuer_serial"]
                                .as_u64()
                                .unwrap() as u32,
                        }
                    )),
                    "{name}"
                );
                refused += 1;
                continue;
            }
            let client = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_step(client.state(), step_named(&steps, "decrypt(cert payload)"));

            let (finish, final_state) = client
                .finish_with_state(&bytes(v, "client_payload"))
                .unwrap();
            assert_eq!(finish, bytes(v, "client_finish_protobuf"), "{name}");
            assert_eq!(framed(&finish), bytes(v, "client_finish_frame"), "{name}");
            assert_step(&final_state, step_named(&steps, "encrypt(ClientPayload)"));
            assert_eq!(
                final_state.handshake_hash().to_vec(),
                bytes(v, "handshake_hash_final")
            );
            assert_eq!(
                final_state.chaining_key().to_vec(),
                bytes(v, "chaining_key_final")
            );
            let (send, recv) = final_state.split();
            assert_eq!(send.to_vec(), bytes(v, "client_send_key"));
            assert_eq!(recv.to_vec(), bytes(v, "client_recv_key"));

            let done = server.read_client_finish(&finish).unwrap();
            assert_eq!(done.payload, bytes(v, "client_payload"));
            assert_eq!(
                done.client_static.as_bytes().to_vec(),
                bytes(v, "client_static_public")
            );
            let mut client_cipher = TransportCipher::new(&send, &recv);
            let mut server_cipher = done.cipher;
            check_frames(v, &mut client_cipher, &mut server_cipher);
            full += 1;
        }
    }
    assert!(
        full >= 1 && refused >= 1,
        "{full} full transcripts, {refused} refusals"
    );
}

/// Every fault the client can meet gets its own error.
#[test]
fn each_fault_has_its_own_error() {
    let (_, json) = common::vector_files("noise").remove(0);
    let v = &json["vectors"][0];
    let header = bytes(v, "intro_header");
    let start = || {
        ClientHandshake::start(
            &header,
            pair(v, "client_ephemeral"),
            pair(v, "client_static"),
        )
    };
    let server_hello = bytes(v, "server_hello_protobuf");

    // Wrong root key.
    let wrong_root = CertVerifier::new(RootKey::Ed25519(key32(
        v,
        "cert_intermediate_ed25519_public",
    )));
    assert_eq!(
        start()
            .0
            .read_server_hello(&server_hello, &wrong_root, NOW)
            .err(),
        Some(NoiseError::Certificate(CertError::BadIntermediateSignature))
    );
    // The real WhatsApp root does not vouch for the test chain.
    assert_eq!(
        start()
            .0
            .read_server_hello(&server_hello, &CertVerifier::default(), NOW)
            .err(),
        Some(NoiseError::Certificate(CertError::BadIntermediateSignature))
    );
    // Expired.
    assert_eq!(
        start()
            .0
            .read_server_hello(&server_hello, &verifier(v), 2_000_000_000)
            .err(),
        Some(NoiseError::Certificate(CertError::Expired("intermediate")))
    );
    // Tampered ServerHello: the encrypted certificate fails its MAC.
    let mut tampered = server_hello.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        start()
            .0
            .read_server_hello(&tampered, &verifier(v), NOW)
            .err(),
        Some(NoiseError::BadMac("certificate chain"))
    );
    // A chain for another server key: leaf key mismatch.
    let server = ServerHandshake::new(
        &header,
        pair(v, "server_ephemeral"),
        KeyPair::from_private_bytes([9; 32]),
        bytes(v, "cert_chain"),
    );
    let (_, hello_other_key) = server.read_client_hello(&start().1).unwrap();
    assert_eq!(
        start()
            .0
            .read_server_hello(&hello_other_key, &verifier(v), NOW)
            .err(),
        Some(NoiseError::Certificate(CertError::WrongLeafKey))
    );
    // Not a ServerHello at all.
    assert!(matches!(
        start()
            .0
            .read_server_hello(&bytes(v, "client_hello_protobuf"), &verifier(v), NOW),
        Err(NoiseError::UnexpectedMessage(_))
    ));
    // A tampered certificate (the server encrypts it, so the MAC holds; the signature does not).
    let mut chain = CertChain::decode(bytes(v, "cert_chain").as_slice()).unwrap();
    let leaf_details = chain.leaf.as_mut().and_then(|leaf| leaf.details.as_mut());
    let leaf_details = leaf_details.expect("the recorded chain has leaf details");
    let last = leaf_details.len() - 1;
    leaf_details[last] ^= 1;
    let server = ServerHandshake::new(
        &header,
        pair(v, "server_ephemeral"),
        pair(v, "server_static"),
        chain.encode_to_vec(),
    );
    let (_, hello_tampered) = server.read_client_hello(&start().1).unwrap();
    assert_eq!(
        start()
            .0
            .read_server_hello(&hello_tampered, &verifier(v), NOW)
            .err(),
        Some(NoiseError::Certificate(CertError::BadLeafSignature))
    );
    // A corrupted transport frame is refused without moving the counter: the intact frame
    // still decrypts afterwards.
    let mut cipher =
        TransportCipher::new(&key32(v, "client_send_key"), &key32(v, "client_recv_key"));
    let frame = common::hex_bytes(&v["outputs"]["frames"]["server_to_client"][0]["frame"]);
    let mut corrupted = frame.clone();
    let last = corrupted.len() - 1;
    corrupted[last] ^= 0x01;
    assert_eq!(
        cipher.decrypt(&corrupted[3..]),
        Err(NoiseError::BadMac("transport frame"))
    );
    assert!(cipher.decrypt(&frame[3..]).is_ok());
}
