//! Generates `wacast::proto` from the project's own `.proto` files with protox
//! (a pure-Rust protobuf compiler), so no `protoc` is needed.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = Path::new("proto");
    println!("cargo:rerun-if-changed={}", proto_dir.display());
    let entries = match std::fs::read_dir(proto_dir) {
        Ok(entries) => entries.collect::<Result<Vec<_>, _>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut files: Vec<PathBuf> = entries
        .into_iter()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let include_file = out_dir.join("_includes.rs");
    if files.is_empty() {
        std::fs::write(&include_file, "")?;
        std::fs::write(out_dir.join("file_descriptor_set.bin"), [])?;
        return Ok(());
    }
    let descriptors = protox::compile(&files, [proto_dir])?;
    // Kept for reflection: tests check field numbers against vectors with it.
    std::fs::write(
        out_dir.join("file_descriptor_set.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    prost_build::Config::new()
        .include_file("_includes.rs")
        .compile_fds(descriptors)?;
    Ok(())
}
