#!/usr/bin/env bash
# Deletes the kind cluster that kind/up.sh created, and everything in it.
set -euo pipefail

cluster="${CLUSTER:-orderflow}"
command -v kind >/dev/null 2>&1 || { echo "kind/down.sh needs kind on PATH" >&2; exit 1; }
kind delete cluster --name "${cluster}"
