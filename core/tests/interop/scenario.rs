//! The interop scenario the wacore-libsignal interop test runs: a session set up by either side, 1,000
//! messages each way in alternating batches (so every direction change is a DH ratchet),
//! about 10% delivered out of order, a few lost, PreKey messages first and then normal ones.
//! Also a wacast peer (sans-IO API) to play one side.

#![allow(dead_code)]

use std::collections::HashMap;

use wacast::curve::{KeyPair, PublicKey};
use wacast::signal::padding::pad;
use wacast::signal::{
    LocalIdentity, MessageKind, OsKeySource, PreKeyBundle, PreKeyLookup, PreKeySignalMessage,
    SessionRecord, SignalMessage,
};

/// Messages each way.
pub const MESSAGES_EACH_WAY: usize = 1000;
/// Messages per batch; the direction changes after every batch.
pub const BATCH: usize = 50;

/// One side of a 1:1 conversation.
pub trait Peer {
    /// Which implementation this is (for failure messages).
    fn name(&self) -> &'static str;
    /// This device's prekey bundle (with one one-time prekey).
    fn bundle(&mut self) -> PreKeyBundle;
    /// Starts a session to the peer owning `bundle`.
    fn process_bundle(&mut self, bundle: &PreKeyBundle);
    /// Encrypts to the peer.
    fn encrypt(&mut self, plaintext: &[u8]) -> (MessageKind, Vec<u8>);
    /// Decrypts from the peer.
    fn decrypt(&mut self, kind: MessageKind, bytes: &[u8]) -> Result<Vec<u8>, String>;
}

/// A small deterministic generator for delivery order and losses.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// The delivery plan of one batch: indices in delivery order, with some lost. About 10% are
/// swapped out of place; one in 60 is lost, never the first of the conversation.
pub fn delivery_plan(rng: &mut Lcg, len: usize, first_batch: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    for _ in 0..len / 10 {
        let (a, b) = (rng.below(len), rng.below(len));
        order.swap(a, b);
    }
    order.retain(|&i| (first_batch && i == 0) || rng.below(60) != 0);
    order
}

fn ratchet_key(kind: MessageKind, bytes: &[u8]) -> PublicKey {
    let inner = match kind {
        MessageKind::PreKey => {
            PreKeySignalMessage::parse(bytes)
                .expect("pkmsg parses")
                .message
        }
        _ => bytes.to_vec(),
    };
    SignalMessage::parse(&inner)
        .expect("msg parses")
        .ratchet_key
}

/// Runs the conversation; `initiator` opens the session with `responder`'s bundle.
pub fn run_conversation(initiator: &mut dyn Peer, responder: &mut dyn Peer, seed: u64) {
    let bundle = responder.bundle();
    initiator.process_bundle(&bundle);
    let mut rng = Lcg(seed);
    let mut sent = [0usize; 2];
    let mut lost = 0;
    let mut reordered = 0;
    let mut kinds: HashMap<(usize, &'static str), usize> = HashMap::new();
    let mut last_ratchet: [Option<PublicKey>; 2] = [None, None];
    let mut batch_no = 0;
    while sent[0] < MESSAGES_EACH_WAY || sent[1] < MESSAGES_EACH_WAY {
        let side = batch_no % 2;
        batch_no += 1;
        let (from, to): (&mut dyn Peer, &mut dyn Peer) = if side == 0 {
            (&mut *initiator, &mut *responder)
        } else {
            (&mut *responder, &mut *initiator)
        };
        let mut batch = Vec::new();
        for _ in 0..BATCH.min(MESSAGES_EACH_WAY - sent[side]) {
            let text = format!("{} -> {} #{}", from.name(), to.name(), sent[side]);
            let plaintext = pad(text.as_bytes(), sent[side] as u8);
            let (kind, bytes) = from.encrypt(&plaintext);
            *kinds.entry((side, kind.as_str())).or_default() += 1;
            batch.push((kind, bytes, plaintext));
            sent[side] += 1;
        }
        // A new ratchet key after every direction change (the responder's first batch
        // follows its first decryption, which ratchets too).
        let key = ratchet_key(batch[0].0, &batch[0].1);
        assert!(
            batch.iter().all(|(k, b, _)| ratchet_key(*k, b) == key),
            "one ratchet key per batch"
        );
        assert_ne!(
            last_ratchet[side],
            Some(key),
            "{} did not ratchet",
            from.name()
        );
        last_ratchet[side] = Some(key);
        let plan = delivery_plan(&mut rng, batch.len(), batch_no <= 2);
        lost += batch.len() - plan.len();
        reordered += plan.windows(2).filter(|w| w[0] > w[1]).count();
        for i in plan {
            let (kind, bytes, plaintext) = &batch[i];
            let got = to.decrypt(*kind, bytes).unwrap_or_else(|e| {
                panic!(
                    "{} could not decrypt {} #{i} of batch {batch_no} from {}: {e}",
                    to.name(),
                    kind.as_str(),
                    from.name()
                )
            });
            assert_eq!(&got, plaintext, "{} read a different plaintext", to.name());
        }
    }
    // The scenario really exercised what it claims.
    assert_eq!(sent, [MESSAGES_EACH_WAY, MESSAGES_EACH_WAY]);
    assert!(
        lost >= 10 && reordered >= 50,
        "lost {lost}, reordered {reordered}"
    );
    assert_eq!(
        kinds.get(&(0, "pkmsg")),
        Some(&BATCH),
        "initiator's first batch is pkmsg"
    );
    assert_eq!(kinds.get(&(0, "msg")), Some(&(MESSAGES_EACH_WAY - BATCH)));
    assert_eq!(kinds.get(&(1, "msg")), Some(&MESSAGES_EACH_WAY));
}

/// wacast through its sans-IO API: one session record, one signed and one one-time prekey.
pub struct WacastPeer {
    pub local: LocalIdentity,
    pub signed: KeyPair,
    pub signature: [u8; 64],
    pub one_time: HashMap<u32, KeyPair>,
    pub record: SessionRecord,
}

impl WacastPeer {
    pub fn new(registration_id: u32) -> WacastPeer {
        let identity = KeyPair::generate();
        let signed = KeyPair::generate();
        let signature = identity.private.sign(&signed.public.serialize());
        WacastPeer {
            local: LocalIdentity {
                identity,
                registration_id,
            },
            signed,
            signature,
            one_time: HashMap::from([(31, KeyPair::generate())]),
            record: SessionRecord::new(),
        }
    }
}

struct Lookup<'a>(&'a WacastPeer);

impl PreKeyLookup for Lookup<'_> {
    fn signed_pre_key(&self, id: u32) -> Option<KeyPair> {
        (id == 1).then(|| self.0.signed.clone())
    }
    fn pre_key(&self, id: u32) -> Option<KeyPair> {
        self.0.one_time.get(&id).cloned()
    }
}

impl Peer for WacastPeer {
    fn name(&self) -> &'static str {
        "wacast"
    }
    fn bundle(&mut self) -> PreKeyBundle {
        PreKeyBundle {
            registration_id: self.local.registration_id,
            identity_key: self.local.identity.public,
            signed_pre_key_id: 1,
            signed_pre_key: self.signed.public,
            signed_pre_key_signature: self.signature.to_vec(),
            pre_key: Some((31, self.one_time[&31].public)),
        }
    }
    fn process_bundle(&mut self, bundle: &PreKeyBundle) {
        self.record
            .initiate(&self.local, bundle, &mut OsKeySource)
            .expect("wacast accepts the bundle");
    }
    fn encrypt(&mut self, plaintext: &[u8]) -> (MessageKind, Vec<u8>) {
        let out = self.record.encrypt(plaintext).expect("wacast encrypts");
        (out.kind, out.bytes)
    }
    fn decrypt(&mut self, kind: MessageKind, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let before = self.record.serialize();
        let result = match kind {
            MessageKind::PreKey => {
                let mut record = self.record.clone();
                let lookup = Lookup(self);
                let result = record
                    .decrypt_prekey_message(bytes, &self.local, &lookup, None, &mut OsKeySource)
                    .map(|(plaintext, used)| (plaintext, used, record));
                result.map(|(plaintext, used, record)| {
                    self.record = record;
                    if let Some(id) = used {
                        self.one_time.remove(&id);
                    }
                    plaintext
                })
            }
            _ => self.record.decrypt_message(bytes, &mut OsKeySource),
        };
        if result.is_err() {
            assert_eq!(
                self.record.serialize(),
                before,
                "failed decryption changed the record"
            );
        }
        result.map_err(|e| e.to_string())
    }
}
