//! The wacast client against the sandbox over real loopback WebSockets: handshake as a new and
//! a returning device, IQs, keepalive, and the reconnect rules under injected faults.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::mpsc::Receiver;
use wacast::binary::Node;
use wacast::client::{
    Client, ClientConfig, ClientError, Credentials, DisconnectReason, Event, IqError,
    ReconnectPolicy, WebSocketConnector,
};
use wacast::jid::Jid;
use wacast::jid::Server;
use wacast_sandbox::{ConnectionKind, Fault, ROUTING_INFO, Route, Sandbox, StanzaContext};

const WAIT: Duration = Duration::from_secs(20);

fn config(sandbox: &Sandbox) -> ClientConfig {
    ClientConfig {
        url: sandbox.ws_url(),
        cert_verifier: sandbox.cert_verifier(),
        reconnect: ReconnectPolicy {
            base: Duration::from_millis(10),
            max: Duration::from_millis(80),
            stable_after: Duration::from_secs(30),
        },
        connect_timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    }
}

fn linked_device(sandbox: &Sandbox, phone: &str) -> Credentials {
    let mut credentials = Credentials::generate();
    let jid = Jid::user_jid(phone).with_device(3);
    sandbox.register_device(credentials.noise_key.public, jid.clone());
    credentials.jid = Some(jid);
    credentials
}

fn start(config: ClientConfig, credentials: Credentials) -> (Client, Receiver<Event>) {
    let connector = Arc::new(WebSocketConnector::new().expect("TLS config"));
    Client::start(config, credentials, connector)
}

/// Collects events until `done` returns true for one; fails the test after [`WAIT`].
async fn events_until(
    events: &mut Receiver<Event>,
    mut done: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                let finished = done(&event);
                seen.push(event);
                if finished {
                    return seen;
                }
            }
            Ok(None) => panic!("event stream ended; saw {seen:?}"),
            Err(_) => panic!("timed out; saw {seen:?}"),
        }
    }
}

#[tokio::test]
async fn new_device_completes_the_handshake_and_is_offered_pairing() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = Credentials::generate();
    let identity = credentials.identity_key.public;
    let (client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| matches!(e, Event::PairingRequired { .. })).await;
    let Some(Event::PairingRequired { refs }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(refs.len(), 6);
    assert!(refs.iter().all(|r| r.starts_with("2@")));
    assert_eq!(sandbox.stats().registrations, 1);
    assert_eq!(sandbox.registry().pending()[0].identity_key, identity);
    assert_eq!(sandbox.connections()[0].kind, ConnectionKind::Registration);
    client.stop().await;
    events_until(&mut events, |e| *e == Event::Stopped).await;
}

#[tokio::test]
async fn returning_device_logs_in_and_answers_iqs() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550001111");
    let (client, mut events) = start(config(&sandbox), credentials);
    events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert_eq!(sandbox.stats().logins, 1);
    let connections = sandbox.connections();
    assert_eq!(
        connections[0].jid.as_deref(),
        Some("15550001111:3@s.whatsapp.net")
    );

    let ping = Node::new("iq")
        .attr("to", "@s.whatsapp.net")
        .attr("type", "get")
        .attr("xmlns", "w:p")
        .children([Node::new("ping")]);
    let pong = client.send_iq(ping).await.unwrap();
    assert_eq!(pong.get_attr("type"), Some("result"));

    let unknown = Node::new("iq").attr("type", "get").attr("xmlns", "no:such");
    match client.send_iq(unknown).await {
        Err(ClientError::Iq(IqError::ServerError { code, .. })) => assert_eq!(code, 501),
        other => panic!("expected a server error, got {other:?}"),
    }
    client.stop().await;
    let tail = events_until(&mut events, |e| *e == Event::Stopped).await;
    assert!(tail.contains(&Event::Disconnected {
        reason: DisconnectReason::Stopped
    }));
}

#[tokio::test]
async fn unknown_device_gets_401_and_never_reconnects() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut credentials = Credentials::generate();
    credentials.jid = Some(Jid::user_jid("15550002222").with_device(1));
    let (_client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| *e == Event::Stopped).await;
    assert!(seen.contains(&Event::Disconnected {
        reason: DisconnectReason::LoggedOut
    }));
    assert!(seen.contains(&Event::LoggedOut));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sandbox.stats().connection_attempts, 1);
}

#[tokio::test]
async fn twenty_drops_in_a_row_reconnect_each_time_with_capped_backoff() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550003333");
    sandbox.on_next_logins(20, Fault::Drop);
    let config = config(&sandbox);
    let policy = config.reconnect;
    let (client, mut events) = start(config, credentials);
    let mut connected = 0;
    let seen = events_until(&mut events, |e| {
        if matches!(e, Event::Connected { .. }) {
            connected += 1;
        }
        connected == 21
    })
    .await;
    let backoffs: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Event::ReconnectScheduled { attempt, backoff } => Some((*attempt, *backoff)),
            _ => None,
        })
        .collect();
    assert_eq!(backoffs.len(), 20, "one scheduled reconnect per drop");
    for (i, (attempt, backoff)) in backoffs.iter().enumerate() {
        assert_eq!(
            *attempt as usize,
            i + 1,
            "attempts count up: the backoff is not reset"
        );
        assert!(backoff.delay <= backoff.ceiling);
        assert!(backoff.ceiling <= policy.max);
    }
    assert!(
        backoffs
            .windows(2)
            .all(|w| w[0].1.ceiling <= w[1].1.ceiling),
        "ceiling grows"
    );
    assert_eq!(backoffs[0].1.ceiling, policy.base);
    assert_eq!(
        backoffs.last().map(|b| b.1.ceiling),
        Some(policy.max),
        "capped"
    );
    // No busy loop: exactly one connection per drop plus the final one.
    let stats = sandbox.stats();
    assert_eq!(stats.connection_attempts, 21);
    assert_eq!(stats.logins, 21);
    client.stop().await;
}

#[tokio::test]
async fn logged_out_401_stops_for_good() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550004444");
    let noise_key = credentials.noise_key.public;
    sandbox.on_next_logins(1, Fault::Failure { code: 401 });
    let (_client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| *e == Event::Stopped).await;
    assert!(seen.contains(&Event::LoggedOut), "{seen:?}");
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::ReconnectScheduled { .. }))
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sandbox.stats().connection_attempts, 1);
    assert!(
        sandbox.registry().device(&noise_key).is_none(),
        "the server unlinked it"
    );
}

#[tokio::test]
async fn restart_required_515_reconnects_immediately() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550005555");
    sandbox.on_next_logins(1, Fault::StreamError { code: 515 });
    let (client, mut events) = start(config(&sandbox), credentials);
    let mut connected = 0;
    let seen = events_until(&mut events, |e| {
        if matches!(e, Event::Connected { .. }) {
            connected += 1;
        }
        connected == 2
    })
    .await;
    assert!(seen.contains(&Event::Disconnected {
        reason: DisconnectReason::RestartRequired
    }));
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::ReconnectScheduled { .. })),
        "{seen:?}"
    );
    assert_eq!(sandbox.stats().logins, 2);
    client.stop().await;
}

#[tokio::test]
async fn replaced_440_does_not_reconnect() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550006666");
    sandbox.on_next_logins(1, Fault::Conflict);
    let (_client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| *e == Event::Stopped).await;
    assert!(seen.contains(&Event::Disconnected {
        reason: DisconnectReason::Replaced
    }));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sandbox.stats().connection_attempts, 1);
}

#[tokio::test]
async fn server_down_for_five_seconds_reconnects_within_the_backoff() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550007777");
    let mut config = config(&sandbox);
    config.reconnect.max = Duration::from_millis(500);
    let max = config.reconnect.max;
    let (client, mut events) = start(config, credentials);
    events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;

    let restarting = sandbox.clone();
    let restart = tokio::spawn(async move { restarting.restart(Duration::from_secs(5)).await });
    let seen = events_until(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert!(matches!(seen.last(), Some(Event::Disconnected { .. })));
    restart.await.unwrap().unwrap();
    let back_up = Instant::now();
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    let failed_attempts = seen
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Disconnected {
                    reason: DisconnectReason::ConnectFailed(_)
                }
            )
        })
        .count();
    assert!(
        failed_attempts >= 3,
        "it kept trying while the server was down: {seen:?}"
    );
    assert!(
        back_up.elapsed() < max + Duration::from_secs(2),
        "reconnected {:?} after the server returned",
        back_up.elapsed()
    );
    client.stop().await;
}

#[tokio::test]
async fn a_stalled_server_is_detected_by_keepalive() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550008888");
    let mut config = config(&sandbox);
    config.keepalive_interval = Duration::from_millis(200);
    config.keepalive_grace = Duration::from_millis(200);
    let (client, mut events) = start(config, credentials);
    events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert_eq!(sandbox.inject_all(Fault::Stall { ms: 3_000 }), 1);
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert!(
        seen.contains(&Event::Disconnected {
            reason: DisconnectReason::TimedOut
        }),
        "{seen:?}"
    );
    client.stop().await;
}

#[tokio::test]
async fn a_corrupted_frame_ends_the_connection_and_the_client_comes_back() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550009999");
    let (client, mut events) = start(config(&sandbox), credentials);
    events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    let id = sandbox.connections()[0].id;
    assert!(sandbox.inject(id, Fault::CorruptNextFrame));
    // The next server frame is the answer to this ping.
    let ping = Node::new("iq")
        .attr("type", "get")
        .attr("xmlns", "w:p")
        .children([Node::new("ping")]);
    assert!(client.send_iq(ping).await.is_err());
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert!(
        seen.iter().any(|e| matches!(e, Event::Disconnected { reason: DisconnectReason::ConnectFailed(why) } if why.contains("MAC"))),
        "{seen:?}"
    );
    client.stop().await;
}

#[tokio::test]
async fn features_plug_in_as_routes_and_reach_devices() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550001212");
    let device = credentials.jid.clone().unwrap();
    // What the messaging feature will do: ack each <message> (echoing who sent it).
    sandbox.route(
        Route::tag("message"),
        Arc::new(|context: &StanzaContext, stanza: &Node| {
            let sender = context.device.as_ref().map(ToString::to_string);
            vec![
                Node::new("ack")
                    .attr("class", "message")
                    .attr("id", stanza.get_attr("id").unwrap_or_default())
                    .attr("from", sender.unwrap_or_default())
                    .attr("t", "1700000000"),
            ]
        }),
    );
    let (client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    let Some(Event::Connected { lid, server_time }) = seen.last() else {
        unreachable!()
    };
    let lid = lid.clone().expect("<success> carries the device's LID");
    assert_eq!((lid.server, lid.device), (Server::Lid, 3));
    assert_eq!(lid.user.len(), 15);
    assert!(server_time.is_some_and(|t| t > 1_700_000_000));

    let message = Node::new("message")
        .attr("id", "3EB0A1B2C3D4E5F60718")
        .attr("to", "15550003434@s.whatsapp.net")
        .attr("type", "text");
    let ack = client.request(message).await.unwrap();
    assert_eq!(ack.tag, "ack");
    assert_eq!(ack.get_attr("id"), Some("3EB0A1B2C3D4E5F60718"));
    assert_eq!(ack.get_attr("from"), Some("15550001212:3@s.whatsapp.net"));

    let pushed = Node::new("notification")
        .attr("id", "n-1")
        .attr("from", "@s.whatsapp.net")
        .attr("type", "server_sync");
    assert_eq!(sandbox.send_to_device(&device, pushed), 1);
    assert_eq!(
        sandbox.send_to_device(&Jid::user_jid("15550009876").with_device(1), Node::new("x")),
        0
    );
    let seen = events_until(&mut events, |e| matches!(e, Event::Stanza(_))).await;
    let Some(Event::Stanza(received)) = seen.last() else {
        unreachable!()
    };
    assert_eq!(received.tag, "notification");
    assert_eq!(received.get_attr("id"), Some("n-1"));
    client.stop().await;
}

#[tokio::test]
async fn refused_connections_back_off_then_get_in() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550001313");
    sandbox.refuse_connections(Duration::from_millis(400));
    let (client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    let stats = sandbox.stats();
    assert!(stats.refused >= 2, "{stats:?}");
    assert_eq!(stats.connection_attempts, stats.refused + 1);
    let scheduled = seen
        .iter()
        .filter(|e| matches!(e, Event::ReconnectScheduled { .. }))
        .count();
    assert_eq!(scheduled as u64, stats.refused, "one backoff per refusal");
    client.stop().await;
}

#[tokio::test]
async fn unavailable_503_reconnects_after_a_backoff_and_outdated_405_stops() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550001414");
    sandbox.on_next_logins(1, Fault::StreamError { code: 503 });
    sandbox.on_next_logins(1, Fault::Failure { code: 405 });
    let (_client, mut events) = start(config(&sandbox), credentials);
    let seen = events_until(&mut events, |e| *e == Event::Stopped).await;
    let reasons: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Event::Disconnected { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            DisconnectReason::ServiceUnavailable,
            DisconnectReason::ClientOutdated
        ]
    );
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(e, Event::ReconnectScheduled { .. }))
            .count(),
        1,
        "503 waits a backoff, 405 does not come back: {seen:?}"
    );
    assert!(reasons[1].to_string().contains("ClientConfig::version"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sandbox.stats().connection_attempts, 2);
}

#[tokio::test]
async fn delayed_frames_arrive_late_but_intact() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550001515");
    let (client, mut events) = start(config(&sandbox), credentials);
    events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert_eq!(sandbox.inject_all(Fault::Delay { ms: 300 }), 1);
    let ping = Node::new("iq")
        .attr("to", "@s.whatsapp.net")
        .attr("type", "get")
        .attr("xmlns", "w:p");
    let sent = Instant::now();
    let pong = client.send_iq(ping).await.unwrap();
    assert!(sent.elapsed() >= Duration::from_millis(300));
    assert_eq!(pong.get_attr("type"), Some("result"));
    client.stop().await;
}

#[tokio::test]
async fn reconnects_open_with_the_edge_routing_info_the_server_handed_out() {
    let sandbox = Sandbox::start().await.unwrap();
    let credentials = linked_device(&sandbox, "15550001616");
    sandbox.on_next_logins(1, Fault::Drop);
    let (client, mut events) = start(config(&sandbox), credentials);
    let mut connected = 0;
    let seen = events_until(&mut events, |e| {
        if matches!(e, Event::Connected { .. }) {
            connected += 1;
        }
        connected == 2
    })
    .await;
    assert!(seen.contains(&Event::RoutingInfo(ROUTING_INFO.to_vec())));
    let connections = sandbox.connections();
    assert_eq!(connections.len(), 1);
    let expected = base64::engine::general_purpose::STANDARD.encode(ROUTING_INFO);
    assert_eq!(
        connections[0].edge_routing.as_deref(),
        Some(expected.as_str())
    );
    client.stop().await;
}
