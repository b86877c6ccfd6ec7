//! JID parsing and formatting against whatsapp-rust's vectors: every `jid*.json` file.
//!
//! Where the reference is lenient with malformed input (`:x` read as device 0, an overflowing
//! device dropped), wacast rejects the JID with an error instead, as the vectors README allows.

mod common;

use wacast::jid::{Jid, JidError, Server};

fn expected_jid(parts: &serde_json::Value) -> Jid {
    Jid {
        user: parts["user"].as_str().unwrap().to_owned(),
        agent: parts["agent"].as_u64().unwrap() as u8,
        device: parts["device"].as_u64().unwrap() as u16,
        integrator: parts["integrator"].as_u64().unwrap() as u16,
        server: Server::from_name(parts["server"].as_str().unwrap()).expect("known server"),
    }
}

/// Inputs the reference accepts but wacast deliberately rejects.
fn rejected_by_design(input: &str) -> bool {
    let user = input.rsplit_once('@').map_or("", |(u, _)| u);
    match user.split_once(':') {
        Some((_, device)) => device.parse::<u16>().is_err(),
        None => false,
    }
}

#[test]
fn parse_vectors() {
    let mut checked = 0;
    for (file, json) in common::vector_files("jid") {
        for vector in json["vectors"]["parse"].as_array().expect("parse[]") {
            let input = vector["input"].as_str().unwrap();
            let result = input.parse::<Jid>();
            if !vector["ok"].as_bool().unwrap() {
                assert!(result.is_err(), "{file}: {input:?} must be rejected");
            } else if rejected_by_design(input) {
                assert!(
                    matches!(result, Err(JidError::InvalidDevice { .. })),
                    "{file}: {input:?} must be rejected with InvalidDevice, got {result:?}"
                );
            } else {
                let jid = result.unwrap_or_else(|e| panic!("{file}: {input:?}: {e}"));
                assert_eq!(jid, expected_jid(&vector["jid"]), "{file}: {input:?}");
                assert_eq!(jid.to_string(), vector["jid"]["display"].as_str().unwrap());
                let round_trip = jid.to_string() == input;
                assert_eq!(
                    round_trip,
                    vector["roundtrip_equal"].as_bool().unwrap(),
                    "{input:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} parse vectors");
}

#[test]
fn format_vectors() {
    let mut checked = 0;
    for (file, json) in common::vector_files("jid") {
        for vector in json["vectors"]["format"].as_array().expect("format[]") {
            let jid = expected_jid(vector);
            assert_eq!(
                jid.to_string(),
                vector["display"].as_str().unwrap(),
                "{file}: {jid:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}
