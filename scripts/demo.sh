#!/usr/bin/env bash
# make demo: a demo site, its virtual cards on the real PC/SC stack, and the desk.
# Log in as clerk / demo-clerk-1 (admin / demo-admin-1, boss / demo-boss-1); F5 swaps the
# card on the reader, or run `./cardcenter demo tray --dir demo` in a second terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${DEMO_DIR:-demo}
./cardcenter demo setup --dir "$dir"
# Start with 张三's card on the reader: the recharge that never landed.
./cardcenter demo tray --dir "$dir" --put 1 >"$dir/tray.log" 2>&1 </dev/null &
tray=$!
trap 'kill "$tray" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  [ -S "$dir/tray.sock" ] && break
  sleep 0.1
done
./cardcenter desk --db "$dir/demo.db" --site-key "$dir/site.key" --reader "Virtual PCD 00 00" \
  --demo-tray "$dir/tray.sock" --log "$dir/desk.log" --provision-dir "$dir/provision" "$@"
