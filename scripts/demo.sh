#!/usr/bin/env bash
# make demo: a demo site as a real one runs: the host (`cardcenter serve`) as its own
# process on loopback with the site's self-signed TLS certificate and the site key, and the
# desk as its client, pinned to that certificate, with no ledger and no site key of its own;
# the virtual cards lie on the real PC/SC stack beside the desk.
# Log in as clerk / demo-clerk-1 (admin / demo-admin-1, boss / demo-boss-1); F5 swaps the
# card on the reader, or run `./cardcenter demo tray --dir demo` in a second terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${DEMO_DIR:-demo}
bin=${CARDCENTER:-./cardcenter}
"$bin" demo setup --dir "$dir"
# The host. Port 0 lets the kernel choose, so a second demo or a running host never
# collides; the URL and the certificate's fingerprint are its first lines.
rm -f "$dir/serve.out"
"$bin" serve --db "$dir/demo.db" --site-key "$dir/site.key" --listen "${DEMO_LISTEN:-127.0.0.1:0}" \
  --tls-self-signed "$dir/tls" >"$dir/serve.out" 2>"$dir/serve.log" </dev/null &
serve=$!
# Start with 张三's card on the reader: the recharge that never landed.
"$bin" demo tray --dir "$dir" --put 1 >"$dir/tray.log" 2>&1 </dev/null &
tray=$!
trap 'kill "$tray" "$serve" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
url= fp=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^serving //p' "$dir/serve.out" | head -n 1)
  fp=$(sed -n 's/^certificate sha256 //p' "$dir/serve.out" | head -n 1)
  [ -n "$url" ] && [ -n "$fp" ] && [ -S "$dir/tray.sock" ] && break
  if ! kill -0 "$serve" 2>/dev/null; then
    echo "demo: the host did not start:" >&2
    cat "$dir/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ] || [ -z "$fp" ]; then
  echo "demo: the host printed no URL or fingerprint (see $dir/serve.log)" >&2
  exit 1
fi
"$bin" desk --host "$url" --pin-sha256 "$fp" --reader "Virtual PCD 00 00" \
  --demo-tray "$dir/tray.sock" --log "$dir/desk.log" --provision-dir "$dir/provision" "$@"
