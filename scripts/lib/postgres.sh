# Throwaway PostgreSQL 15 cluster for tests (DESIGN.md "Services"). Source it after common.sh,
# then call `start_throwaway_postgres`: it exports DATABASE_URL and stops the cluster when the
# calling script exits. When DATABASE_URL is already set, that server is used and nothing starts.

# Finds the directory holding initdb and pg_ctl (PG_BIN overrides).
postgres_bin_dir() {
  if [ -n "${PG_BIN:-}" ]; then
    printf '%s\n' "$PG_BIN"
  elif command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    printf '%s\n' /usr/lib/postgresql/15/bin
  else
    die "PostgreSQL 15 (initdb, pg_ctl) not found; install it or set DATABASE_URL"
  fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_loopback_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    || die "could not find a free loopback port (python3 is needed)"
}

# Runs a command as the postgres user when we are root (initdb refuses root), else as ourselves.
as_postgres_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Starts the cluster (trust auth on loopback only, fsync off) and exports DATABASE_URL.
start_throwaway_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    step "postgres: using DATABASE_URL from the environment"
    return 0
  fi
  local bin port
  bin=$(postgres_bin_dir)
  port=$(free_loopback_port)
  WACAST_PG_DIR=$(mktemp -d /tmp/wacast-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$WACAST_PG_DIR"
  fi
  WACAST_PG_CTL="$bin/pg_ctl"
  trap stop_throwaway_postgres EXIT
  step "postgres: throwaway cluster on 127.0.0.1:$port ($WACAST_PG_DIR)"
  as_postgres_user "$bin/initdb" -A trust -U postgres -E UTF8 --no-sync \
    -D "$WACAST_PG_DIR/data" >"$WACAST_PG_DIR/initdb.log" 2>&1 \
    || { cat "$WACAST_PG_DIR/initdb.log" >&2; die "initdb failed"; }
  as_postgres_user "$WACAST_PG_CTL" -D "$WACAST_PG_DIR/data" -l "$WACAST_PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $WACAST_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null \
    || { cat "$WACAST_PG_DIR/server.log" >&2; die "postgres did not start"; }
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Stops the throwaway cluster and removes its files; safe to call more than once.
stop_throwaway_postgres() {
  if [ -n "${WACAST_PG_DIR:-}" ] && [ -d "$WACAST_PG_DIR" ]; then
    as_postgres_user "$WACAST_PG_CTL" -D "$WACAST_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WACAST_PG_DIR"
  fi
}
