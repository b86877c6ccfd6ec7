//! `wacast sandbox`: run the protocol sandbox standalone.
//!
//! Prints one JSON line on stdout — `{"ws_url", "control_url", "root_public_key"}` — then
//! serves until killed, so tests in any language can start it and read where to connect.

use std::net::SocketAddr;

use wacast_sandbox::{Sandbox, SandboxConfig};

/// Starts the sandbox on `listen` and serves until Ctrl-C.
pub fn run(listen: SocketAddr) -> Result<String, std::io::Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let sandbox = Sandbox::start_with(SandboxConfig {
            listen,
            ..SandboxConfig::default()
        })
        .await?;
        let line = serde_json::json!({
            "ws_url": sandbox.ws_url(),
            "control_url": sandbox.control_url(),
            "root_public_key": sandbox.root_key_base64(),
        });
        println!("{line}");
        tokio::signal::ctrl_c().await?;
        Ok(String::from("sandbox stopped"))
    })
}
