//! The shipped sample frame is a real encoding of a message stanza, and the `wacast` binary
//! decodes it.

use std::process::Command;

use wacast::binary::{self, Node};

/// The stanza the sample file holds: a text message from a linked device to a user with two
/// devices, as the official clients send it (encrypted payloads are fixed bytes here).
fn sample_stanza() -> Node {
    Node::new("message")
        .attr("id", "3EB0C1DF74739DAB646C7B")
        .attr("to", "15551234567@s.whatsapp.net")
        .attr("type", "text")
        .children([
            Node::new("participants").children([
                Node::new("to")
                    .attr("jid", "15551234567@s.whatsapp.net")
                    .children([Node::new("enc")
                        .attr("v", "2")
                        .attr("type", "pkmsg")
                        .bytes((0u8..64).collect::<Vec<_>>())]),
                Node::new("to")
                    .attr("jid", "15551234567:3@s.whatsapp.net")
                    .children([Node::new("enc")
                        .attr("v", "2")
                        .attr("type", "msg")
                        .bytes((64u8..112).collect::<Vec<_>>())]),
            ]),
            Node::new("device-identity").bytes(vec![0xaa; 24]),
        ])
}

fn sample_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/message.hex")
}

#[test]
fn sample_file_is_the_encoding_of_the_sample_stanza() {
    let expected = hex::encode(binary::encode_frame(&sample_stanza()).unwrap());
    if std::env::var_os("WACAST_REGENERATE_SAMPLES").is_some() {
        std::fs::write(sample_path(), format!("{expected}\n")).unwrap();
    }
    let stored = std::fs::read_to_string(sample_path()).unwrap();
    assert_eq!(
        stored.trim(),
        expected,
        "run with WACAST_REGENERATE_SAMPLES=1 to rewrite the sample"
    );
}

#[test]
fn the_binary_decodes_the_sample() {
    let output = Command::new(env!("CARGO_BIN_EXE_wacast"))
        .arg("decode")
        .arg(format!("@{}", sample_path().display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("<message id=\"3EB0C1DF74739DAB646C7B\""),
        "{text}"
    );
    assert!(
        text.contains("<to jid=\"15551234567:3@s.whatsapp.net\">"),
        "{text}"
    );
    assert!(text.contains("type=\"pkmsg\""), "{text}");
}

#[test]
fn the_binary_fails_clearly_on_bad_input() {
    let output = Command::new(env!("CARGO_BIN_EXE_wacast"))
        .args(["decode", "00f8"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("malformed frame"), "{error}");
}
