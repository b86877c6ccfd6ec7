//! The bytes that open a connection: the WhatsApp header, preceded by the edge-routing
//! prefix once the server has handed out routing info.
//!
//! With routing info (from `<ib><edge_routing><routing_info>`), the intro is
//! `'E' 'D' 0 1`, the info's length in 3 big-endian bytes, the info, then the usual header.
//! The Noise prologue stays the plain header either way.

use crate::noise::WA_CONN_HEADER;

/// The edge-routing prefix marker.
pub const EDGE_ROUTING_MARKER: [u8; 4] = [b'E', b'D', 0, 1];

/// Longest routing info that fits the 3-byte length.
pub const MAX_ROUTING_INFO_LEN: usize = (1 << 24) - 1;

/// The intro for a connection, with `routing_info` when there is one that fits.
pub fn connection_intro(routing_info: Option<&[u8]>) -> Vec<u8> {
    let mut intro = Vec::new();
    if let Some(info) = routing_info.filter(|i| !i.is_empty() && i.len() <= MAX_ROUTING_INFO_LEN) {
        let len = info.len();
        intro.extend_from_slice(&EDGE_ROUTING_MARKER);
        intro.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
        intro.extend_from_slice(info);
    }
    intro.extend_from_slice(&WA_CONN_HEADER);
    intro
}

/// Splits an edge-routing prefix off the start of `bytes` (server side): `None` when more
/// bytes are needed, else the routing info (if any) and how many bytes it took.
pub fn split_edge_routing(bytes: &[u8]) -> Option<(Option<Vec<u8>>, usize)> {
    let marker = EDGE_ROUTING_MARKER.len();
    if bytes.len() < marker {
        // Too short to tell unless it already differs from the marker.
        return (!EDGE_ROUTING_MARKER.starts_with(bytes)).then_some((None, 0));
    }
    if bytes[..marker] != EDGE_ROUTING_MARKER {
        return Some((None, 0));
    }
    let len_bytes = bytes.get(marker..marker + 3)?;
    let len = usize::from(len_bytes[0]) << 16
        | usize::from(len_bytes[1]) << 8
        | usize::from(len_bytes[2]);
    let end = marker + 3 + len;
    let info = bytes.get(marker + 3..end)?;
    Some((Some(info.to_vec()), end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_routed_intros() {
        assert_eq!(connection_intro(None), WA_CONN_HEADER.to_vec());
        assert_eq!(connection_intro(Some(&[])), WA_CONN_HEADER.to_vec());
        let intro = connection_intro(Some(b"\x08\x02"));
        assert_eq!(intro, b"ED\x00\x01\x00\x00\x02\x08\x02WA\x06\x03".to_vec());
        assert_eq!(
            split_edge_routing(&intro),
            Some((Some(b"\x08\x02".to_vec()), 9))
        );
        assert_eq!(split_edge_routing(&intro[..8]), None);
        assert_eq!(split_edge_routing(b"ED"), None);
        assert_eq!(split_edge_routing(b"WA"), Some((None, 0)));
        assert_eq!(split_edge_routing(&WA_CONN_HEADER), Some((None, 0)));
    }
}
