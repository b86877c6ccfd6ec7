//! `wacast sandbox` prints where it listens as one JSON line, and its control API answers
//! over plain HTTP (what tests in other languages use).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// A minimal HTTP/1.1 request, so the test needs no HTTP client crate.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

/// Kills the sandbox process even when an assertion fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prints_one_json_line_and_serves_the_control_api() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_wacast"))
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let ws_url = info["ws_url"].as_str().unwrap();
    assert!(ws_url.starts_with("ws://127.0.0.1:") && ws_url.ends_with("/ws/chat"));
    assert_eq!(info["root_public_key"].as_str().unwrap().len(), 44);
    let addr = ws_url
        .trim_start_matches("ws://")
        .trim_end_matches("/ws/chat")
        .to_string();

    let (status, body) = http(&addr, "GET", "/control/info", "");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        info
    );

    let key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let device = format!(r#"{{"noise_public_key":"{key}","jid":"15551230000:2@s.whatsapp.net"}}"#);
    assert_eq!(http(&addr, "POST", "/control/devices", &device).0, 201);
    let (_, devices) = http(&addr, "GET", "/control/devices", "");
    assert!(
        devices.contains("15551230000:2@s.whatsapp.net"),
        "{devices}"
    );
    let bad = r#"{"noise_public_key":"AQID","jid":"15551230000@s.whatsapp.net"}"#;
    let (status, error) = http(&addr, "POST", "/control/devices", bad);
    assert_eq!(status, 400);
    assert!(error.contains("noise_public_key"), "{error}");

    let fault = r#"{"count":2,"fault":{"type":"stream_error","code":515}}"#;
    assert_eq!(http(&addr, "POST", "/control/next-logins", fault).0, 204);
    assert_eq!(
        http(
            &addr,
            "POST",
            "/control/connections/99/fault",
            r#"{"type":"drop"}"#
        )
        .0,
        404
    );
    assert_eq!(
        http(&addr, "POST", "/control/refuse", r#"{"ms":10}"#).0,
        204
    );
    let (status, stats) = http(&addr, "GET", "/control/stats", "");
    assert_eq!(status, 200);
    assert!(stats.contains("\"connection_attempts\":0"), "{stats}");
}
