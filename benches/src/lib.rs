//! Realistic corpora shared by the benches: the stanzas a busy account sees most.

use wacast::binary::Node;

/// One bench input: a name, the node, and how many nodes it holds.
pub struct Sample {
    /// Short name used as the criterion parameter.
    pub name: &'static str,
    /// The stanza.
    pub node: Node,
}

impl Sample {
    /// Number of nodes in the stanza, the root included.
    pub fn node_count(&self) -> u64 {
        fn count(node: &Node) -> u64 {
            1 + node.child_nodes().iter().map(count).sum::<u64>()
        }
        count(&self.node)
    }
}

/// An outgoing text message fanned out to 5 devices, each with a 160-byte ciphertext.
pub fn message_stanza() -> Node {
    let participants = (0..5).map(|device| {
        let jid = if device == 0 {
            "15551234567@s.whatsapp.net".to_string()
        } else {
            format!("15551234567:{device}@s.whatsapp.net")
        };
        Node::new("to").attr("jid", jid).children([Node::new("enc")
            .attr("v", "2")
            .attr("type", if device == 0 { "pkmsg" } else { "msg" })
            .bytes(vec![device as u8; 160])])
    });
    Node::new("message")
        .attr("id", "3EB0C1DF74739DAB646C7B")
        .attr("to", "15551234567@s.whatsapp.net")
        .attr("type", "text")
        .children([
            Node::new("participants").children(participants),
            Node::new("device-identity").bytes(vec![0xaa; 150]),
        ])
}

/// A read receipt for 10 messages from a group participant.
pub fn receipt_stanza() -> Node {
    Node::new("receipt")
        .attr("id", "3EB0A1B2C3D4E5F6A7B8C9")
        .attr("from", "120363012345678901@g.us")
        .attr("participant", "15551234567:2@s.whatsapp.net")
        .attr("type", "read")
        .attr("t", "1735689600")
        .children([Node::new("list")
            .children((0..10).map(|i| Node::new("item").attr("id", format!("3EB0{i:018X}"))))])
}

/// A usync result listing 10 users with 5 devices each (50 devices).
pub fn usync_result() -> Node {
    let users = (0..10).map(|user| {
        let devices = (0..5).map(|d| {
            Node::new("device")
                .attr("id", d.to_string())
                .attr("key-index", (d + 1).to_string())
        });
        Node::new("user")
            .attr("jid", format!("1555000{user:04}@s.whatsapp.net"))
            .children([Node::new("devices").children([
                Node::new("device-list").children(devices),
                Node::new("key-index-list")
                    .attr("ts", "1735689600")
                    .bytes(vec![0x42; 120]),
            ])])
    });
    Node::new("iq")
        .attr("from", "@s.whatsapp.net")
        .attr("id", "41634.62028-12")
        .attr("type", "result")
        .children([Node::new("usync")
            .attr("sid", "41634.62028-11")
            .attr("index", "0")
            .attr("last", "true")
            .attr("mode", "query")
            .attr("context", "message")
            .children([Node::new("list").children(users)])])
}

/// A 1 MiB binary payload, the size of a media upload or history sync chunk.
pub fn large_binary() -> Node {
    Node::new("iq")
        .attr("id", "41634.62028-13")
        .attr("type", "set")
        .attr("xmlns", "w:m")
        .children([Node::new("media").bytes(vec![0x5a; 1 << 20])])
}

/// Every sample.
pub fn corpus() -> Vec<Sample> {
    vec![
        Sample {
            name: "message",
            node: message_stanza(),
        },
        Sample {
            name: "receipt",
            node: receipt_stanza(),
        },
        Sample {
            name: "usync_50_devices",
            node: usync_result(),
        },
        Sample {
            name: "binary_1mib",
            node: large_binary(),
        },
    ]
}
