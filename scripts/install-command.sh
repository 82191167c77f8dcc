#!/usr/bin/env bash
# Puts `gradebox` on PATH: a small wrapper, DIR/gradebox (default /usr/local/bin), that runs this
# checkout's launcher on the pinned Node 24 directly, whatever the system's `node` is, with no
# second Node start (bin/gradebox.js run by an older `node` would start the pinned one itself).
# Only as root; idempotent. A wrapper for another checkout is rewritten (the last one set up
# wins); a `gradebox` there that this script did not write is left alone. scripts/setup.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/usr/local/bin}
wrapper=$dir/gradebox
marker='# gradebox command, written by scripts/install-command.sh'
checkout=$(pwd -P)
# Single-quoted for sh, with any ' in the path closed, escaped and reopened.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
content="#!/bin/sh
$marker for $(quote "$checkout") (run it again after moving the checkout)
node=$(quote "$checkout/node_modules/node/bin/node")
[ -x \"\$node\" ] || node=node
exec \"\$node\" $(quote "$checkout/bin/gradebox.js") \"\$@\""

if [[ $(id -u) != 0 ]]; then
  echo "gradebox setup: not root, so gradebox is not put on PATH: run $checkout/bin/gradebox.js, or scripts/install-command.sh as root" >&2
elif [[ -e $wrapper || -L $wrapper ]] && ! grep -qF "$marker" "$wrapper" 2>/dev/null; then
  echo "gradebox setup: $wrapper exists and was not written by this script: left alone (remove it to get this checkout's gradebox on PATH)" >&2
elif [[ ! -f $wrapper || $(cat "$wrapper") != "$content" ]]; then
  mkdir -p "$dir"
  printf '%s\n' "$content" > "$wrapper.tmp.$$"
  chmod 755 "$wrapper.tmp.$$"
  mv -f "$wrapper.tmp.$$" "$wrapper"
  echo "gradebox setup: gradebox is on PATH: $wrapper runs $checkout/bin/gradebox.js on the pinned Node 24" >&2
fi
