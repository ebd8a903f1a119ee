#!/usr/bin/env bash
# Makes promtool available to deploy/grafana/grafana.test.ts without installing Prometheus: downloads
# Debian's prometheus package (apt-get download needs no root and installs nothing), extracts only
# promtool into node_modules/.cache/promtool/, and prints its path. Idempotent: a cached promtool
# that runs is kept. Never fails the caller: without promtool the test skips its promtool cases.
set -uo pipefail
cd "$(dirname "$0")/../.."

cache="node_modules/.cache/promtool"
bin="$cache/promtool"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$PWD/$bin"
  exit 0
fi

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "fetch-promtool: apt-get and dpkg-deb are needed to fetch promtool; the promtool checks will be skipped" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# apt-get download runs as the _apt user when it can; a directory it may write to avoids a warning.
chmod 0777 "$work"
if ! (cd "$work" && apt-get download -qq prometheus >"$work/apt.log" 2>&1); then
  tail -n 5 "$work/apt.log" >&2
  echo "fetch-promtool: could not download Debian's prometheus package; the promtool checks will be skipped" >&2
  exit 0
fi

deb=$(ls "$work"/prometheus_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$work/root" || [ ! -x "$work/root/usr/bin/promtool" ]; then
  echo "fetch-promtool: the prometheus package holds no usr/bin/promtool; the promtool checks will be skipped" >&2
  exit 0
fi

mkdir -p "$cache"
cp "$work/root/usr/bin/promtool" "$bin.tmp" && mv "$bin.tmp" "$bin"
if ! "$bin" --version >/dev/null 2>&1; then
  rm -f "$bin"
  echo "fetch-promtool: the downloaded promtool does not run here; the promtool checks will be skipped" >&2
  exit 0
fi
echo "$PWD/$bin"
