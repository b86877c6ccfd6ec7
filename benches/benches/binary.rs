//! Encode and decode throughput of the binary node codec, wacast next to whatsapp-rust's
//! `wacore-binary` on the same corpus in the same run.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wacast::binary::{Content, Node, NodeTree};
use wacast_benches::corpus;
use wacore_binary::builder::NodeBuilder;

/// The same node as a `wacore-binary` node (keys leaked once: bench setup only).
fn to_wacore(node: &Node) -> wacore_binary::Node {
    let attrs: Vec<(&'static str, String)> = node
        .attrs
        .iter()
        .map(|(k, v)| (&*Box::leak(k.clone().into_boxed_str()), v.clone()))
        .collect();
    let builder = NodeBuilder::new_dynamic(node.tag.clone()).attrs(attrs);
    match &node.content {
        Content::Empty => builder.build(),
        Content::Nodes(children) => builder.children(children.iter().map(to_wacore)).build(),
        Content::Bytes(bytes) => builder.bytes(bytes.clone()).build(),
        Content::Text(text) => builder.string_content(text.as_str()).build(),
    }
}

fn decode(c: &mut Criterion) {
    for sample in corpus() {
        let mut body = Vec::new();
        sample.node.encode(&mut body).expect("corpus encodes");
        // Both decoders must accept the exact same bytes.
        NodeTree::decode(&body).expect("wacast decodes the corpus");
        wacore_binary::marshal::unmarshal_ref(&body).expect("wacore decodes the corpus");

        let mut group = c.benchmark_group(format!("decode/{}", sample.name));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(BenchmarkId::new("wacast", sample.node_count()), |b| {
            b.iter(|| NodeTree::decode(black_box(&body)).map(|t| t.len()))
        });
        group.bench_function(BenchmarkId::new("wacore", sample.node_count()), |b| {
            b.iter(|| wacore_binary::marshal::unmarshal_ref(black_box(&body)).is_ok())
        });
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for sample in corpus() {
        let theirs = to_wacore(&sample.node);
        let mut ours_bytes = Vec::new();
        sample.node.encode(&mut ours_bytes).expect("corpus encodes");
        let mut theirs_bytes = Vec::new();
        wacore_binary::marshal::marshal_to_vec(&theirs, &mut theirs_bytes).expect("wacore encodes");

        let mut group = c.benchmark_group(format!("encode/{}", sample.name));
        group.throughput(Throughput::Bytes(ours_bytes.len() as u64));
        let mut buffer = Vec::with_capacity(ours_bytes.len());
        group.bench_function(BenchmarkId::new("wacast", sample.node_count()), |b| {
            b.iter(|| {
                buffer.clear();
                black_box(&sample.node)
                    .encode(&mut buffer)
                    .map(|_| buffer.len())
            })
        });
        let mut buffer = Vec::with_capacity(theirs_bytes.len());
        group.bench_function(BenchmarkId::new("wacore", sample.node_count()), |b| {
            b.iter(|| {
                buffer.clear();
                wacore_binary::marshal::marshal_to_vec(black_box(&theirs), &mut buffer)
                    .map(|_| buffer.len())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
