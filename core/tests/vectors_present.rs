//! The vectors folder must exist: every vector-driven test depends on it.

mod common;

#[test]
fn shared_vectors_folder_is_present_and_readable() {
    let files = common::vector_files("");
    assert!(
        files.len() >= 5,
        "expected the shared vector files, found {}",
        files.len()
    );
}
