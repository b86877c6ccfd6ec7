# Shared helpers for the scripts in scripts/. Source it; do not run it.

# Prints a step header to stderr.
step() {
  printf '\n==> %s\n' "$*" >&2
}

# Fails with a message: a check that cannot run must fail, never be skipped.
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Makes sure a cargo subcommand is installed, installing it with --locked when missing.
ensure_cargo_tool() {
  local subcommand=$1 crate=$2
  if ! cargo "$subcommand" --help >/dev/null 2>&1; then
    step "installing $crate"
    cargo install "$crate" --locked || die "could not install $crate"
  fi
}

# The shared test vectors every codec test reads; tests fail without them.
require_vectors() {
  local dir=${WACAST_VECTORS:-"$(pwd)/../shared/vectors"}
  [ -d "$dir" ] || die "test vectors folder $dir is missing (set WACAST_VECTORS or check out ../shared)"
}
