#!/usr/bin/env bash
# Starts a Docker daemon when none answers (tests of the docker image source and backend, and the
# `docker run` baseline of the benchmarks need one). As root only; prints nothing when one is up.
set -euo pipefail
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
if [[ $(id -u) != 0 ]] || ! command -v dockerd >/dev/null; then
  echo "start-dockerd: no Docker daemon and cannot start one (need root and docker.io)" >&2
  exit 0
fi
log=${TMPDIR:-/tmp}/gradebox-dockerd.log
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "start-dockerd: dockerd did not come up; see $log" >&2
exit 1
