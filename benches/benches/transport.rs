//! Transport frame encryption + decryption: wacast's `TransportCipher` next to raw AES-256-GCM
//! from `aes-gcm`, `ring` (wacast's default backend) and `aws-lc-rs` (its `aws-lc` feature,
//! `--features aws-lc` here), on 300-byte frames (a typical stanza) and 64 KiB frames
//! (media-sized), all in the same run.

use std::hint::black_box;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wacast::noise::TransportCipher;

/// wacast's label names the AES-GCM backend it was built with.
const WACAST: &str = if cfg!(feature = "aws-lc") {
    "wacast (aws-lc)"
} else {
    "wacast (ring)"
};

const SIZES: [usize; 2] = [300, 64 * 1024];

fn nonce(counter: u32) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[8..].copy_from_slice(&counter.to_be_bytes());
    iv
}

fn transport(c: &mut Criterion) {
    for size in SIZES {
        let plaintext = vec![0x5au8; size];
        let mut group = c.benchmark_group(format!("transport_roundtrip/{size}"));
        group.throughput(Throughput::Bytes(size as u64));

        // wacast: both directions of a connection, keys set up once.
        let mut client = TransportCipher::new(&[1; 32], &[2; 32]);
        let mut server = TransportCipher::new(&[2; 32], &[1; 32]);
        let mut buffer = Vec::with_capacity(size + 16);
        group.bench_function(BenchmarkId::new(WACAST, size), |b| {
            b.iter(|| {
                buffer.clear();
                buffer.extend_from_slice(black_box(&plaintext));
                client.send.encrypt_in_place(&mut buffer).unwrap();
                server.recv.decrypt_in_place(&mut buffer).unwrap();
                buffer.len()
            })
        });

        // Raw aes-gcm 0.10, cipher built once.
        let cipher = aes_gcm::Aes256Gcm::new((&[1u8; 32]).into());
        let mut counter = 0u32;
        group.bench_function(BenchmarkId::new("aes-gcm", size), |b| {
            b.iter(|| {
                buffer.clear();
                buffer.extend_from_slice(black_box(&plaintext));
                let iv = nonce(counter);
                counter = counter.wrapping_add(1);
                cipher
                    .encrypt_in_place(aes_gcm::Nonce::from_slice(&iv), &[], &mut buffer)
                    .unwrap();
                cipher
                    .decrypt_in_place(aes_gcm::Nonce::from_slice(&iv), &[], &mut buffer)
                    .unwrap();
                buffer.len()
            })
        });

        // ring and aws-lc-rs share one AEAD API; one body serves both.
        macro_rules! bench_ring_like {
            ($name:literal, $aead:path) => {{
                use $aead as aead;
                let key = aead::LessSafeKey::new(
                    aead::UnboundKey::new(&aead::AES_256_GCM, &[1; 32]).unwrap(),
                );
                group.bench_function(BenchmarkId::new($name, size), |b| {
                    b.iter(|| {
                        buffer.clear();
                        buffer.extend_from_slice(black_box(&plaintext));
                        let iv = nonce(counter);
                        counter = counter.wrapping_add(1);
                        key.seal_in_place_append_tag(
                            aead::Nonce::assume_unique_for_key(iv),
                            aead::Aad::empty(),
                            &mut buffer,
                        )
                        .unwrap();
                        key.open_in_place(
                            aead::Nonce::assume_unique_for_key(iv),
                            aead::Aad::empty(),
                            &mut buffer,
                        )
                        .unwrap()
                        .len()
                    })
                });
            }};
        }
        bench_ring_like!("ring", ring::aead);
        bench_ring_like!("aws-lc-rs", aws_lc_rs::aead);
        group.finish();
    }
}

criterion_group!(benches, transport);
criterion_main!(benches);
