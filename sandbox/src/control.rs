//! The HTTP + JSON control API under `/control/`, mirroring the library API so tests in any
//! language can drive the sandbox.
//!
//! | method | path | body | does |
//! |---|---|---|---|
//! | GET | `/control/info` | | `{ws_url, control_url, root_public_key}` |
//! | GET | `/control/stats` | | counters ([`crate::Stats`]) |
//! | GET | `/control/connections` | | open connections |
//! | POST | `/control/connections/{id}/fault` | a [`crate::Fault`] | inject into one connection |
//! | POST | `/control/faults` | a [`crate::Fault`] | inject into every connection |
//! | POST | `/control/next-logins` | `{count, fault}` | fault the next logins |
//! | POST | `/control/refuse` | `{ms}` | refuse connections for a while |
//! | POST | `/control/restart` | `{downtime_ms}` | restart the server (answers first) |
//! | POST | `/control/devices` | `{noise_public_key, jid}` | register a linked device |
//! | GET | `/control/devices` | | linked devices |

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use wacast::curve::PublicKey;

use crate::connection::parse_jid;
use crate::fault::Fault;
use crate::server::{Sandbox, Shared};

type AppState = State<Arc<Shared>>;

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn info(State(shared): AppState) -> Response {
    let sandbox = Sandbox::from_shared(shared);
    Json(json!({
        "ws_url": sandbox.ws_url(),
        "control_url": sandbox.control_url(),
        "root_public_key": sandbox.root_key_base64(),
    }))
    .into_response()
}

async fn stats(State(shared): AppState) -> Response {
    Json(Sandbox::from_shared(shared).stats()).into_response()
}

async fn connections(State(shared): AppState) -> Response {
    Json(Sandbox::from_shared(shared).connections()).into_response()
}

async fn fault_one(
    State(shared): AppState,
    Path(id): Path<u64>,
    Json(fault): Json<Fault>,
) -> Response {
    if Sandbox::from_shared(shared).inject(id, fault) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no open connection {id}") })),
        )
            .into_response()
    }
}

async fn fault_all(State(shared): AppState, Json(fault): Json<Fault>) -> Response {
    let count = Sandbox::from_shared(shared).inject_all(fault);
    Json(json!({ "connections": count })).into_response()
}

#[derive(Deserialize)]
struct NextLogins {
    count: usize,
    fault: Fault,
}

async fn next_logins(State(shared): AppState, Json(body): Json<NextLogins>) -> Response {
    Sandbox::from_shared(shared).on_next_logins(body.count.min(100_000), body.fault);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Refuse {
    ms: u64,
}

async fn refuse(State(shared): AppState, Json(body): Json<Refuse>) -> Response {
    Sandbox::from_shared(shared).refuse_connections(Duration::from_millis(body.ms));
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Restart {
    downtime_ms: u64,
}

async fn restart(State(shared): AppState, Json(body): Json<Restart>) -> Response {
    let sandbox = Sandbox::from_shared(shared);
    // Answer first: the restart closes this very listener.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Err(error) = sandbox
            .restart(Duration::from_millis(body.downtime_ms))
            .await
        {
            tracing::error!(%error, "sandbox restart failed");
        }
    });
    StatusCode::ACCEPTED.into_response()
}

#[derive(Deserialize)]
struct NewDevice {
    noise_public_key: String,
    jid: String,
}

async fn add_device(State(shared): AppState, Json(body): Json<NewDevice>) -> Response {
    let key = match base64::engine::general_purpose::STANDARD.decode(&body.noise_public_key) {
        Ok(bytes) => match PublicKey::from_slice(&bytes) {
            Ok(key) => key,
            Err(e) => return bad_request(format!("noise_public_key: {e}")),
        },
        Err(e) => return bad_request(format!("noise_public_key is not base64: {e}")),
    };
    let jid = match parse_jid(&body.jid) {
        Ok(jid) => jid,
        Err(e) => return bad_request(format!("jid: {e}")),
    };
    Sandbox::from_shared(shared).register_device(key, jid);
    StatusCode::CREATED.into_response()
}

async fn devices(State(shared): AppState) -> Response {
    let list: Vec<_> = Sandbox::from_shared(shared)
        .registry()
        .devices()
        .into_iter()
        .map(|d| {
            json!({
                "jid": d.jid.to_string(),
                "noise_public_key": base64::engine::general_purpose::STANDARD.encode(d.noise_key.as_bytes()),
            })
        })
        .collect();
    Json(list).into_response()
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/info", get(info))
        .route("/stats", get(stats))
        .route("/connections", get(connections))
        .route("/connections/{id}/fault", post(fault_one))
        .route("/faults", post(fault_all))
        .route("/next-logins", post(next_logins))
        .route("/refuse", post(refuse))
        .route("/restart", post(restart))
        .route("/devices", post(add_device).get(devices))
}
