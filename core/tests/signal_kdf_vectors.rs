//! The Signal key schedule against libsignal-node's `key_derivation` vectors (every
//! `signal*.json`): HKDF, X3DH master secret, DH ratchet step, chain steps, message keys and
//! sender-key message keys, byte for byte.

mod common;

use wacast::curve::{KeyPair, PublicKey};
use wacast::signal::{ChainKey, RootKey, SenderChainKey, derive_secrets, x3dh_master_secret};

fn h(v: &serde_json::Value) -> Vec<u8> {
    common::hex_bytes(v)
}

fn k32(v: &serde_json::Value) -> [u8; 32] {
    h(v).try_into().expect("32 bytes")
}

#[test]
fn key_derivation_vectors() {
    let mut checked = 0;
    for (file, json) in common::vector_files("signal") {
        let Some(kd) = json.get("key_derivation") else {
            continue;
        };
        for v in kd["hkdf"].as_array().unwrap() {
            let salt = k32(&v["salt"]);
            let info = h(&v["info_hex"]);
            let expected: Vec<Vec<u8>> = v["output_blocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(h)
                .collect();
            let got: Vec<Vec<u8>> = match v["chunks"].as_u64().unwrap() {
                1 => derive_secrets::<1>(&h(&v["input"]), &salt, &info)
                    .iter()
                    .map(|b| b.to_vec())
                    .collect(),
                2 => derive_secrets::<2>(&h(&v["input"]), &salt, &info)
                    .iter()
                    .map(|b| b.to_vec())
                    .collect(),
                3 => derive_secrets::<3>(&h(&v["input"]), &salt, &info)
                    .iter()
                    .map(|b| b.to_vec())
                    .collect(),
                n => panic!("{file}: {n} chunks"),
            };
            assert_eq!(got, expected, "{file}: hkdf {}", v["info"]);
            checked += 1;
        }
        for v in kd["x3dh_master_secret"].as_array().unwrap() {
            let dhs: Vec<[u8; 32]> = v["dh"].as_array().unwrap().iter().map(k32).collect();
            let (root, chain) = x3dh_master_secret(&dhs);
            assert_eq!(root.to_bytes(), k32(&v["root_key"]), "{file}: x3dh root");
            assert_eq!(chain.key(), k32(&v["chain_key"]), "{file}: x3dh chain");
            checked += 1;
        }
        for v in kd["ratchet_step"].as_array().unwrap() {
            let ours = KeyPair::from_private_bytes(k32(&v["our_private"]));
            assert_eq!(ours.public.serialize().to_vec(), h(&v["our_public"]));
            let theirs = PublicKey::from_slice(&h(&v["their_public"])).unwrap();
            assert_eq!(ours.private.agree(&theirs), k32(&v["dh_shared_secret"]));
            let (root, chain) =
                RootKey::from_bytes(k32(&v["root_key"])).create_chain(&theirs, &ours.private);
            assert_eq!(
                root.to_bytes(),
                k32(&v["new_root_key"]),
                "{file}: ratchet root"
            );
            assert_eq!(
                chain.key(),
                k32(&v["new_chain_key"]),
                "{file}: ratchet chain"
            );
            // The other side derives the same from its own private key.
            let their_pair = KeyPair::from_private_bytes(k32(&v["their_private"]));
            let (root2, chain2) = RootKey::from_bytes(k32(&v["root_key"]))
                .create_chain(&ours.public, &their_pair.private);
            assert_eq!((root2, chain2), (root, chain));
            checked += 1;
        }
        for v in kd["chain_key_step"].as_array().unwrap() {
            let counter = v["counter"].as_u64().unwrap() as u32;
            let chain = ChainKey::new(k32(&v["chain_key"]), counter);
            assert_eq!(
                chain.message_key_seed(),
                k32(&v["message_key_seed"]),
                "{file}: seed {counter}"
            );
            let next = chain.next().unwrap();
            assert_eq!(
                next.key(),
                k32(&v["next_chain_key"]),
                "{file}: next chain {counter}"
            );
            assert_eq!(next.index(), counter + 1);
            checked += 1;
        }
        for (step, keys) in kd["chain_key_step"]
            .as_array()
            .unwrap()
            .iter()
            .zip(kd["message_keys"].as_array().unwrap())
        {
            assert_eq!(step["message_key_seed"], keys["message_key_seed"]);
            let counter = keys["counter"].as_u64().unwrap() as u32;
            let derived = ChainKey::new(k32(&step["chain_key"]), counter).message_keys();
            assert_eq!(
                derived.cipher_key,
                k32(&keys["cipher_key"]),
                "{file}: cipher key {counter}"
            );
            assert_eq!(
                derived.mac_key,
                k32(&keys["mac_key"]),
                "{file}: mac key {counter}"
            );
            assert_eq!(derived.iv.to_vec(), h(&keys["iv"]), "{file}: iv {counter}");
            assert_eq!(derived.counter, counter);
            checked += 1;
        }
        for v in kd["group_message_key"].as_array().unwrap() {
            let iteration = v["iteration"].as_u64().unwrap() as u32;
            let chain = SenderChainKey::new(iteration, k32(&v["sender_chain_key"]));
            let key = chain.message_key();
            assert_eq!(key.iv.to_vec(), h(&v["iv"]), "{file}: group iv {iteration}");
            assert_eq!(
                key.cipher_key,
                k32(&v["cipher_key"]),
                "{file}: group key {iteration}"
            );
            assert_eq!(key.iteration, iteration);
            assert_eq!(
                chain.next().unwrap().seed(),
                k32(&v["next_sender_chain_key"])
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} key-derivation vectors");
}
