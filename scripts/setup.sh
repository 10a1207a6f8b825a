#!/usr/bin/env bash
# Installs what dmswatch needs when it is missing.
#   scripts/setup.sh run    Debian packages to build and run (ncurses, libcurl, libpq, MariaDB client and zlib headers)
#   scripts/setup.sh bench  also htop (the benchmark runs it side by side)
#   scripts/setup.sh test   also tmux, the PostgreSQL and MariaDB servers the reconciliation tests start on
#                           loopback, and the Python test peers (moto[server], boto3, pytest)
# As root it installs; otherwise it prints the exact commands and fails.
set -euo pipefail
mode="${1:-run}"

apt_pkgs=(libncurses-dev libcurl4-openssl-dev pkg-config libpq-dev libmariadb-dev zlib1g-dev)
[ "$mode" = "test" ] && apt_pkgs+=(tmux postgresql mariadb-server mariadb-client)
# The benchmark measures htop's idle CPU side by side with dmswatch's.
[ "$mode" = "bench" ] && apt_pkgs+=(htop)

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "$mode" = "test" ]; then
  py="${PYTHON:-python3}"
  if ! "$py" -c 'import moto, flask, flask_cors, boto3, botocore, pytest, yaml' 2>/dev/null; then
    echo "setup: installing Python packages: moto[server] boto3 botocore pytest pyyaml"
    "$py" -m pip install -q 'moto[server]' boto3 botocore pytest pyyaml || {
      echo "setup: pip install failed; run: $py -m pip install 'moto[server]' boto3 botocore pytest pyyaml" >&2
      exit 1
    }
  fi
fi
