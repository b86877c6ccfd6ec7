//! Interop with libsignal-node 6.0.0 (the Signal library Baileys uses), run as a separate
//! program: `tests/interop/libsignal-node/peer.js`, driven over JSON lines. Sessions are set up
//! by either side; 1,000 messages go each way in bursts (a ratchet on every direction change),
//! about 10% delivered out of order and a few lost.
//!
//! Needs `node` and `npm ci` in that folder (scripts/test does it); without them this test
//! fails rather than skips. libsignal-node has no sender-key code, so group interop is covered
//! by the recorded Baileys group vectors instead.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};
use wacast::curve::{KeyPair, PublicKey};
use wacast::signal::{
    LocalIdentity, MessageKind, OsKeySource, PreKeyBundle, PreKeyLookup, SessionRecord, padding,
};

struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    fn start() -> Peer {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/libsignal-node");
        assert!(
            dir.join("node_modules/libsignal").is_dir(),
            "libsignal-node is not installed: run `npm ci` in {} (scripts/test does)",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg("peer.js")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node must be installed to run the libsignal-node interop test");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Peer {
            child,
            stdin,
            stdout,
        }
    }

    fn call(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let reply: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("peer said {line:?}: {e}"));
        assert_eq!(
            reply["ok"], true,
            "libsignal-node failed {command}: {}",
            reply["error"]
        );
        reply
    }
}

fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn unhex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

/// A small deterministic generator for burst lengths, reordering and losses.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

struct OurPreKeys {
    signed: KeyPair,
    one_time: KeyPair,
}

impl PreKeyLookup for OurPreKeys {
    fn signed_pre_key(&self, id: u32) -> Option<KeyPair> {
        (id == 1).then(|| self.signed.clone())
    }
    fn pre_key(&self, id: u32) -> Option<KeyPair> {
        (id == 9).then(|| self.one_time.clone())
    }
}

/// Runs 1,000 messages each way between `ours` and the node peer.
///
/// `we_start`: our session is new and the peer has none yet, so the first burst is ours.
fn converse(
    peer: &mut Peer,
    ours: &mut SessionRecord,
    local: &LocalIdentity,
    prekeys: &OurPreKeys,
    seed: u64,
    we_start: bool,
) {
    let mut rng = Lcg(seed);
    let (mut to_node, mut to_us) = (0, 0);
    let mut first_burst = true;
    while to_node < 1000 || to_us < 1000 {
        let burst = 1 + (rng.next() % 20) as usize;
        let coin = rng.next() % 2 == 0;
        let we_send = if first_burst && we_start {
            true
        } else {
            to_us >= 1000 || (to_node < 1000 && coin)
        };
        first_burst = false;
        let mut batch = Vec::new();
        for _ in 0..burst {
            let text = format!(
                "message {} {}",
                if we_send { to_node } else { to_us },
                rng.next()
            );
            let padded = padding::pad(text.as_bytes(), rng.next() as u8);
            if we_send {
                if to_node >= 1000 {
                    break;
                }
                let sent = ours.encrypt(&padded).unwrap();
                let kind = if sent.kind == MessageKind::PreKey {
                    3
                } else {
                    1
                };
                batch.push((padded, kind, sent.bytes));
                to_node += 1;
            } else {
                if to_us >= 1000 {
                    break;
                }
                let reply = peer.call(json!({"op": "encrypt", "name": "wacast", "device": 1, "plaintext": hex_of(&padded)}));
                batch.push((
                    padded,
                    reply["type"].as_u64().unwrap(),
                    unhex(&reply["body"]),
                ));
                to_us += 1;
            }
        }
        // ~10% out of order: swap neighbours; a few lost.
        for i in 0..batch.len().saturating_sub(1) {
            if rng.next() % 10 == 0 {
                batch.swap(i, i + 1);
            }
        }
        for (padded, kind, bytes) in batch {
            // A few are lost; never a pkmsg, which the peer needs to open its session.
            if rng.next() % 50 == 0 && kind != 3 {
                continue;
            }
            let plaintext = if we_send {
                let reply = peer.call(json!({"op": "decrypt", "name": "wacast", "device": 1, "type": kind, "body": hex_of(&bytes)}));
                unhex(&reply["plaintext"])
            } else if kind == 3 {
                ours.decrypt_prekey_message(&bytes, local, prekeys, None, &mut OsKeySource)
                    .unwrap_or_else(|e| panic!("wacast could not read libsignal-node's pkmsg: {e}"))
                    .0
            } else {
                ours.decrypt_message(&bytes, &mut OsKeySource)
                    .unwrap_or_else(|e| panic!("wacast could not read libsignal-node's msg: {e}"))
            };
            assert_eq!(plaintext, padded);
        }
    }
}

fn our_side() -> (LocalIdentity, OurPreKeys) {
    let local = LocalIdentity {
        identity: KeyPair::generate(),
        registration_id: 4321,
    };
    let prekeys = OurPreKeys {
        signed: KeyPair::generate(),
        one_time: KeyPair::generate(),
    };
    (local, prekeys)
}

#[test]
fn wacast_opens_the_session() {
    let mut peer = Peer::start();
    peer.call(json!({"op": "init", "registration_id": 2222}));
    let b = peer.call(json!({"op": "bundle", "signed_pre_key_id": 3, "pre_key_id": 5}));
    let bundle = PreKeyBundle {
        registration_id: b["registration_id"].as_u64().unwrap() as u32,
        identity_key: PublicKey::from_slice(&unhex(&b["identity_key"])).unwrap(),
        signed_pre_key_id: 3,
        signed_pre_key: PublicKey::from_slice(&unhex(&b["signed_pre_key"])).unwrap(),
        signed_pre_key_signature: unhex(&b["signed_pre_key_signature"]),
        pre_key: Some((5, PublicKey::from_slice(&unhex(&b["pre_key"])).unwrap())),
    };
    let (local, prekeys) = our_side();
    let mut ours = SessionRecord::new();
    ours.initiate(&local, &bundle, &mut OsKeySource).unwrap();
    converse(&mut peer, &mut ours, &local, &prekeys, 1, true);
}

#[test]
fn libsignal_node_opens_the_session() {
    let mut peer = Peer::start();
    peer.call(json!({"op": "init", "registration_id": 2222}));
    let (local, prekeys) = our_side();
    let bundle = json!({
        "registration_id": local.registration_id,
        "identity_key": hex_of(&local.identity.public.serialize()),
        "signed_pre_key_id": 1,
        "signed_pre_key": hex_of(&prekeys.signed.public.serialize()),
        "signed_pre_key_signature": hex_of(&local.identity.private.sign(&prekeys.signed.public.serialize())),
        "pre_key_id": 9,
        "pre_key": hex_of(&prekeys.one_time.public.serialize()),
    });
    peer.call(json!({"op": "process_bundle", "name": "wacast", "device": 1, "bundle": bundle}));
    // The node side must speak first: our record is empty until its pkmsg arrives.
    let padded = padding::pad(b"hello from libsignal-node", 3);
    let first = peer.call(
        json!({"op": "encrypt", "name": "wacast", "device": 1, "plaintext": hex_of(&padded)}),
    );
    assert_eq!(first["type"], 3);
    let mut ours = SessionRecord::new();
    let (plaintext, used) = ours
        .decrypt_prekey_message(
            &unhex(&first["body"]),
            &local,
            &prekeys,
            None,
            &mut OsKeySource,
        )
        .unwrap();
    assert_eq!(plaintext, padded);
    assert_eq!(used, Some(9));
    converse(&mut peer, &mut ours, &local, &prekeys, 2, false);
}
