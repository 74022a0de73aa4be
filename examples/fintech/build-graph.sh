#!/usr/bin/env bash
# Builds the fintech system graph from what the teams already have:
#   graph/overlay.json     what no catalog knows: tiers, check commands, the agent
#   repo/**/*.yaml         the Backstage catalog (components, groups, users, …)
#   repo/.github/CODEOWNERS
#   repo/Cargo.toml        the Cargo workspace (crates and their dependencies)
#
# usage: build-graph.sh REPO OUT [KEYS]
#   REPO  the repository (examples/fintech/repo, or a checkout of it)
#   OUT   the graph file to write
#   KEYS  optional: `person ed25519:<base64>` lines to add as people's keys
# WRIT names the writ binary (default: `writ` on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
writ=${WRIT:-writ}
repo=$1
out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
keys=${3:-}

if [ -n "$keys" ]; then
  python3 "$here/graph/add-keys.py" "$here/graph/overlay.json" "$keys" > "$out"
else
  cp "$here/graph/overlay.json" "$out"
fi
# Each importer merges into the file: entries with the same id combine, the
# overlay's scalars (kinds, tiers) win, and the result is sorted, so the
# graph is byte-for-byte the same on every machine.
catalog=$(cd "$repo" && find . -name '*.yaml' -not -path './target/*' | sed 's|^\./||' | LC_ALL=C sort)
(cd "$repo" && "$writ" graph import backstage $catalog --merge "$out" -o "$out")
"$writ" graph import codeowners "$repo/.github/CODEOWNERS" --merge "$out" -o "$out"
"$writ" graph import cargo --manifest-path "$repo/Cargo.toml" --merge "$out" -o "$out"
"$writ" graph check "$out" >&2
