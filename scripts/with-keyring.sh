#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret
# Service), HOME and XDG dirs in a fresh temporary folder. Everything stops with the session.
#   scripts/with-keyring.sh cargo test
# Set KEEP_HOME=1 to keep the temporary folder; EPROC_A2F_TEST_HOME to choose it.
set -eu
if [ "${EPROC_A2F_IN_KEYRING:-}" != "1" ]; then
  base="${EPROC_A2F_TEST_HOME:-$(mktemp -d /tmp/eproc-a2f-home.XXXXXX)}"
  mkdir -p "$base/home" "$base/run"
  chmod 700 "$base/run"
  export EPROC_A2F_TEST_BASE="$base"
  export EPROC_A2F_IN_KEYRING=1
  # Cargo and rustup must still find the real toolchain once HOME moves.
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
  exec dbus-run-session -- "$0" "$@"
fi
export HOME="$EPROC_A2F_TEST_BASE/home"
export XDG_RUNTIME_DIR="$EPROC_A2F_TEST_BASE/run"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
printf 'eproc-a2f-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
# Let the daemon register on the bus before the first client asks.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
    break
  fi
  sleep 0.2
done
status=0
"$@" || status=$?
if [ "${KEEP_HOME:-}" != "1" ]; then rm -rf "$EPROC_A2F_TEST_BASE"; fi
exit $status
