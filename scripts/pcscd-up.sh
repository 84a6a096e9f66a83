#!/usr/bin/env bash
# Starts pcscd if it is not running (CI and fresh machines have no daemons), and waits until
# its socket answers. The vpcd driver makes two readers: "Virtual PCD 00 00" and "00 01".
set -euo pipefail
sock=/run/pcscd/pcscd.comm
if pgrep -x pcscd >/dev/null 2>&1 && [ -S "$sock" ]; then
  exit 0
fi
if ! command -v pcscd >/dev/null 2>&1; then
  echo "pcscd is not installed: run scripts/deps.sh as root" >&2
  exit 1
fi
mkdir -p /run/pcscd
# --auto-exit would stop it between test packages; keep it running for the whole run.
# Debian 12's pcscd has no --disable-polkit (it would print its usage and exit): ask first.
if pcscd --help 2>&1 | grep -q -- --disable-polkit; then
  pcscd --disable-polkit
else
  pcscd
fi
for _ in $(seq 1 50); do
  [ -S "$sock" ] && exit 0
  sleep 0.1
done
echo "pcscd did not come up (no $sock)" >&2
exit 1
