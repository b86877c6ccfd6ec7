//! Shared helpers for the integration tests: locating and loading the test vectors that
//! independent implementations produced (`../shared/vectors/` next to the repository).
//!
//! Tests read every vector file matching a prefix at run time, so a new vector file is
//! picked up with no code change, and they fail (never skip) when the folder is missing.

#![allow(dead_code)]

use std::path::PathBuf;

/// The vectors folder: `$WACAST_VECTORS` when set, else `<repo>/../shared/vectors`.
pub fn vectors_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WACAST_VECTORS") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors")
}

/// Every `*.json` file in the vectors folder whose name starts with `prefix`, sorted by name.
///
/// Panics (failing the test) when the folder is missing or no file matches: a test that
/// cannot find its vectors must fail, not pass vacuously.
pub fn vector_files(prefix: &str) -> Vec<(String, serde_json::Value)> {
    let dir = vectors_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "test vectors folder {} is missing ({e}); set WACAST_VECTORS or check out ../shared",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no vector file matching {prefix}*.json in {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, value)
        })
        .collect()
}

/// Decodes a lowercase hex string from a vector file, failing the test on bad hex.
pub fn hex_bytes(value: &serde_json::Value) -> Vec<u8> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("expected a hex string, got {value}"));
    hex::decode(text).unwrap_or_else(|e| panic!("bad hex {text:?}: {e}"))
}
