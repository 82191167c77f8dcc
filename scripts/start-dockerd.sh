#!/usr/bin/env bash
# Makes sure a Docker daemon with user namespaces answers (tests of the docker image source and
# backend, and the `docker run` baseline of the benchmarks, need one). The docker sandbox backend
# needs the daemon-wide user namespace (`userns-remap`), so the daemon this script starts runs with
# `--userns-remap=default`: dockerd then creates the `dockremap` user and its /etc/subuid and
# /etc/subgid ranges itself. A daemon this script started earlier without it (its output goes to
# our log file) is restarted with it; one started some other way is left alone, with a message
# saying how to enable it. As root only; prints nothing when a suitable daemon is up.
set -euo pipefail
log=${TMPDIR:-/tmp}/gradebox-dockerd.log
config=/etc/docker/daemon.json

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
has_userns() { docker info --format '{{json .SecurityOptions}}' 2>/dev/null | grep -q 'name=userns'; }

# The pid of the running dockerd, from its pid file, if that process is a dockerd.
daemon_pid() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] && echo "$pid"
}

if answers; then
  has_userns && exit 0
  pid=$(daemon_pid || true)
  # Started by this script: its stdout is our log file.
  if [[ -n $pid && $(readlink "/proc/$pid/fd/1" 2>/dev/null) == "$log" ]]; then
    echo "start-dockerd: the Docker daemon this script started (pid $pid) has no user namespaces; restarting it with --userns-remap=default" >&2
    kill -TERM "$pid"
    for _ in $(seq 1 120); do
      [[ -d /proc/$pid ]] || break
      sleep 0.5
    done
    if [[ -d /proc/$pid ]]; then
      echo "start-dockerd: dockerd (pid $pid) did not stop within 60 s; see $log" >&2
      exit 1
    fi
  else
    echo "start-dockerd: the running Docker daemon${pid:+ (pid $pid)} has no user namespaces, which gradebox's docker backend needs, and this script did not start it." >&2
    echo "  Enable them: add \"userns-remap\": \"default\" to $config, then restart it (systemctl restart docker)." >&2
    exit 1
  fi
fi

if [[ $(id -u) != 0 ]] || ! command -v dockerd >/dev/null; then
  echo "start-dockerd: no Docker daemon and cannot start one (need root and docker.io)" >&2
  exit 0
fi
flags=()
# dockerd refuses a setting given both as a flag and in its configuration file.
grep -q '"userns-remap"' "$config" 2>/dev/null || flags+=(--userns-remap=default)
nohup dockerd "${flags[@]}" >>"$log" 2>&1 &
for _ in $(seq 1 120); do
  if answers; then
    has_userns && exit 0
    echo "start-dockerd: dockerd came up without user namespaces (check userns-remap in $config); see $log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "start-dockerd: dockerd did not come up; see $log" >&2
exit 1
