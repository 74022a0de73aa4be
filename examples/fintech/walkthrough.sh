#!/usr/bin/env bash
# The writ fintech walk-through.
#
# Builds writ (cargo build --release), then in a fresh temporary folder:
# makes a git repository from examples/fintech/repo with a fixed, reproducible
# history of four pull requests, builds the system graph with the importers,
# compiles and signs the plan, and walks each change through
#   writ change → writ run → writ approve → writ run → writ verify → writ explain
# printing every decision, then one proof explained in full (the emergency
# fix; every proof is kept in the work folder: out/PR-*.explain.txt).
#
# Needs: a Rust toolchain, git, python3. No network beyond what cargo needs.
#
# Environment:
#   WRIT          use this writ binary instead of building one
#   WRIT_WORKDIR  work here (an empty or missing folder) instead of a temp dir;
#                 the folder is kept, with every change, plan, proof and bundle
#   WRIT_QUIET    1: print only the decisions (used by the end-to-end tests)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -z "${WRIT:-}" ]; then
  echo "building writ (cargo build --release) …" >&2
  # cargo says where the binary is (CARGO_TARGET_DIR or a config may move it)
  WRIT=$(cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin writ \
    --message-format=json-render-diagnostics | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "writ" and m.get("executable"):
        print(m["executable"])')
  [ -x "$WRIT" ] || { echo "walkthrough: cargo built no writ binary" >&2; exit 1; }
fi
export WRIT
if [ -n "${WRIT_WORKDIR:-}" ]; then
  work=$WRIT_WORKDIR
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/writ-fintech.XXXXXX")
fi
work=$(cd "$work" && pwd)
quiet=${WRIT_QUIET:-0}

repo=$work/acme          # the git repository
keys=$work/keys          # private keys, one per person (test keys made here)
evidence=$work/evidence  # one evidence folder per change: checks, approvals, bundles, ledger
out=$work/out            # changes, proofs, logs
mkdir -p "$keys" "$evidence" "$out"

# ---------------------------------------------------------------- output ---
say() { [ "$quiet" = 1 ] || printf '%s\n' "$*"; }
# writ ARGS…: run writ, keep its output in $out/log, show the command.
last_rc=0
w() {
  local shown="" a
  for a in "$@"; do
    a=${a//"$work/"/}
    a=${a//"$here"/examples/fintech}
    case $a in *" "*) a="'$a'" ;; esac
    shown="$shown $a"
  done
  say "  \$ writ${shown}"
  set +e
  "$WRIT" "$@" >"$out/stdout" 2>"$out/stderr"
  last_rc=$?
  set -e
  cat "$out/stdout" "$out/stderr" >>"$out/log"
  return 0
}
# The decision of the last `writ run` / `writ eval`, with its reasons.
decision() {
  local id=$1 label=$2
  "$WRIT" eval --plan "$work/plan.json" --change "$out/$id.json" --evidence "$evidence/$id" \
    --trust "$work/trust.keys" ${WRIT_NOW:+--now "$WRIT_NOW"} --proof "$out/$id.proof.json" >/dev/null 2>&1 || true
  "$WRIT" explain "$out/$id.proof.json" >"$out/$id.explain.txt"
  local summary
  summary=$(sed -n '1p' "$out/$id.explain.txt" | sed -E 's/ under plan [^ ]+ \([^)]*\)| under plan sha256:[0-9a-f]+//')
  printf '%-12s %-44s %s\n' "$id" "$label" "$(sed -n '1p' "$out/$id.explain.txt" | cut -d: -f1)" >>"$out/decisions.txt"
  if [ "$quiet" = 1 ]; then
    printf '%s %s: %s\n' "$id" "$label" "$(sed -n '1p' "$out/$id.explain.txt" | cut -d: -f1)"
  else
    say "    → $summary"
    # the reasons: the indented lines right after the summary
    sed -n '2,/^$/p' "$out/$id.explain.txt" | sed '/^$/d' | sed 's/^/    /' | head -12
  fi
}

# ------------------------------------------------------------------- git ---
unset WRIT_TRUST   # the plan's trust is passed explicitly (--trust)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
git_() { git -C "$repo" -c init.defaultBranch=main -c commit.gpgsign=false -c core.autocrlf=false "$@"; }
# commit WHO DATE MESSAGE: commit everything staged as WHO@acme.example at DATE.
commit() {
  local who=$1 date=$2 message=$3
  GIT_AUTHOR_NAME=$who GIT_AUTHOR_EMAIL=$who@acme.example GIT_AUTHOR_DATE=$date \
  GIT_COMMITTER_NAME=$who GIT_COMMITTER_EMAIL=$who@acme.example GIT_COMMITTER_DATE=$date \
    git_ commit -q -m "$message"
}

say "writ fintech walk-through — work folder: $work"
say ""

# ----------------------------------------------------------------- setup ---
say "== setup: keys, repository, graph, policy, plan"
people="ana bo pim pat pia eve ed rui rita wen wu mo cal cora ben bea sam sue priya dot olu cy dana dev codebot"
: >"$work/people.keys"
for p in $people; do
  printf '%s %s\n' "$p" "$("$WRIT" keygen -o "$keys/$p.key" --force 2>/dev/null)" >>"$work/people.keys"
done
"$WRIT" keygen -o "$keys/runner.key" --force 2>/dev/null | sed 's/^/ci-runner /' >"$work/runner.pub"
"$WRIT" keygen -o "$keys/security.key" --force 2>/dev/null | sed 's/^/security /' >"$work/security.pub"
# One trust file for CI and auditors: who signs plans, who signs runs.
{ sed 's/^/plan /' "$work/security.pub"; sed 's/^/runner /' "$work/runner.pub"; } >"$work/trust.keys"
say "  writ keygen: $(wc -l <"$work/people.keys") people, the CI runner and the security team (test keys, made now)"

rm -rf "$repo"
mkdir -p "$repo"
cp -R "$here/repo/." "$repo/"
rm -rf "$repo/target"
git_ init -q
git_ add -A
commit pat "2026-03-02T09:00:00Z" "Import the Acme monorepo"
git_ branch -q -M main

WRIT="$WRIT" bash "$here/build-graph.sh" "$repo" "$work/graph.json" "$work/people.keys" 2>>"$out/log"
say "  graph: $("$WRIT" graph stats "$work/graph.json" | sed -n '1p;/^edges/p;/^people/p' | paste -sd, - | sed 's/,/, /g') (overlay + Backstage + CODEOWNERS + cargo)"

w check --graph "$work/graph.json" "$here/policies"
say "    → $(tail -n1 "$out/stderr")"
w test "$here/policies" --graph "$work/graph.json"
say "    → $(grep '^test result' "$out/stdout")"
w plan --policy "$here/policies" --graph "$work/graph.json" -o "$work/plan.json" --sign "$keys/security.key"
plan_digest=$(cat "$out/stdout")
say "    → $(tail -n1 "$out/stderr" | sed "s|$work/||"): $plan_digest"
w plan verify "$work/plan.json" --trust "$work/security.pub"
say "    → $(cat "$out/stdout")"
say ""

# run ID: decide a change with the checks it needs run here (writ run).
# Checks run sandboxed: the Rust toolchain (for the `cargo test` checks) is
# shown to them read-only, by the paths its variables name.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
toolchain=()
for d in "$CARGO_HOME" "$RUSTUP_HOME"; do
  if [ -d "$d" ]; then toolchain+=(--sandbox-ro "$d"); fi
done
run_checks() {
  local id=$1
  w run --plan "$work/plan.json" --change "$out/$id.json" --evidence "$evidence/$id" --key "$keys/runner.key" \
    --trust "$work/trust.keys" ${WRIT_NOW:+--now "$WRIT_NOW"} --workdir "$repo" --jobs 2 --pass-env RUSTUP_HOME --pass-env CARGO_HOME --pass-env RUSTUP_TOOLCHAIN \
    "${toolchain[@]}"
  local lines ran passed
  lines=$(grep -E '^\[[0-9]+/[0-9]+\]' "$out/stderr" | sed -E 's/^\[[0-9]+\/[0-9]+\] //' || true)
  if [ -z "$lines" ]; then
    say "    → no checks required"
  else
    ran=$(printf '%s\n' "$lines" | wc -l | tr -d ' ')
    passed=$(printf '%s\n' "$lines" | grep -c ': passed' || true)
    say "    → ran $ran checks, $passed passed ($(printf '%s\n' "$lines" | sed 's/ on .*//' | LC_ALL=C sort | uniq -c | awk '{printf "%s%s ×%d", sep, $2, $1; sep=", "}'))"
  fi
}
# record ID: decide again with the evidence now present, sign and record it.
record() {
  local id=$1
  w run --plan "$work/plan.json" --change "$out/$id.json" --evidence "$evidence/$id" --key "$keys/runner.key" --no-run \
    --trust "$work/trust.keys" ${WRIT_NOW:+--now "$WRIT_NOW"}
}
approve() {
  local id=$1 who=$2
  shift 2
  w approve --change "$out/$id.json" --plan "$work/plan.json" --key "$keys/$who.key" --as "$who" --evidence "$evidence/$id" "$@"
}
verify_last() {
  local id=$1 bundle
  # the ledger's last record names the latest bundle (file names can share a second)
  bundle="$evidence/$id/$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["entry"]["bundle"])' "$evidence/$id/ledger.jsonl")"
  w verify "$bundle" --trust "$work/trust.keys" --plan "$work/plan.json"
  say "    → $(cat "$out/stdout"): ${bundle#"$work"/}"
}
change() {
  local id=$1 range=$2
  shift 2
  w change "$range" --repo "$repo" --graph "$work/graph.json" --id "$id" -o "$out/$id.json" "$@"
  say "    → $(python3 - "$out/$id.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
a = c["author"]
print("%d file(s), author %s (%s), digest %s…" % (len(c["files"]), a["id"], a["kind"], c["digest"][:19]))
PY
)"
}

# ------------------------------------------------ PR-101: docs only -------
say "== PR-101  docs only: a runbook edit (wen)"
git_ checkout -q -b pr-101 main
printf '3. Card-vault failover: see docs/architecture.md.\n' >>"$repo/docs/runbooks/payments.md"
git_ add docs/runbooks/payments.md
commit wen "2026-03-03T10:00:00Z" "Runbook: card-vault failover"
change PR-101 main...pr-101
run_checks PR-101
decision PR-101 "docs only (before review)"
approve PR-101 dot --comment "runbook reads well"
record PR-101
decision PR-101 "docs only"
verify_last PR-101
git_ checkout -q main && git_ merge -q --ff-only pr-101
say ""

# ------------------------------- PR-102: shared library reaching payments --
say "== PR-102  shared library: rounding fix in libs/money (pat), reaches payments"
git_ checkout -q -b pr-102 main
sed -i.bak 's|(amount.minor \* basis_points + 5_000) / 10_000|(amount.minor * basis_points + 5_000).div_euclid(10_000)|' "$repo/libs/money/src/lib.rs"
rm -f "$repo/libs/money/src/lib.rs.bak"
git_ add libs/money/src/lib.rs
commit pat "2026-03-04T11:00:00Z" "money: round fees with Euclidean division"
change PR-102 main...pr-102 --label security-impact:reviewed
w graph reach "$work/graph.json" "$out/PR-102.json"
say "    → $(grep '^reached' "$out/stdout" | tr -d ':'), among them $(grep -m1 '^  payments ' "$out/stdout" | sed 's/^ *//')"
run_checks PR-102
decision PR-102 "shared library (checks run)"
approve PR-102 pia --comment "first push looks fine"
# Review asks for a test: a second push. Its digest differs, so pia's
# approval of the first push is stale and no longer counts.
cat >>"$repo/libs/money/src/lib.rs" <<'EOF'

#[cfg(test)]
mod negative {
    #[test]
    fn refunds_round_too() {
        let a = super::Amount { minor: -10_000, currency: *b"EUR" };
        assert_eq!(super::apply_fee(a, 150).minor, -10_150);
    }
}
EOF
git_ add libs/money/src/lib.rs
commit pat "2026-03-04T15:30:00Z" "money: test negative amounts"
change PR-102 main...pr-102 --label security-impact:reviewed
run_checks PR-102
decision PR-102 "shared library (second push)"
say "      $(grep -m1 'stale' "$out/PR-102.explain.txt" | sed -E 's/^ *//; s/(sha256:[0-9a-f]{12})[0-9a-f]+/\1…/g')"
approve PR-102 pia --comment "owner of libs/money"
for who in ana bo eve ed; do approve PR-102 "$who"; done
approve PR-102 sam --comment "PCI 6.5.1: rounding only, no card data"
record PR-102
decision PR-102 "shared library reaching payments"
verify_last PR-102
git_ checkout -q main && git_ merge -q --ff-only pr-102
say ""

# -------------------------------------------- PR-103: an agent's change ---
say "== PR-103  agent-authored: codebot changes notifications (committed by wu)"
git_ checkout -q -b pr-103 main
printf '// retry SMS once before falling back to email\n' >>"$repo/services/notifications/src/notify.ts"
git_ add services/notifications/src/notify.ts
commit wu "2026-03-05T08:20:00Z" "notifications: retry SMS once

Writ-Agent: codebot"
change PR-103 main...pr-103
run_checks PR-103
decision PR-103 "agent-authored (checks run)"
w approve --change "$out/PR-103.json" --plan "$work/plan.json" --key "$keys/codebot.key" --as codebot --evidence "$evidence/PR-103"
say "    → refused (exit $last_rc): $(sed 's/^error: //' "$out/stderr")"
# wu committed the agent's work: a contributor, so wu's approval is invalid
# and would deny the change. Shown on a copy of the evidence folder.
cp -R "$evidence/PR-103" "$work/evidence-wu"
w approve --change "$out/PR-103.json" --plan "$work/plan.json" --key "$keys/wu.key" --as wu --evidence "$work/evidence-wu"
w eval --plan "$work/plan.json" --change "$out/PR-103.json" --evidence "$work/evidence-wu" --trust "$work/trust.keys"
say "    → $(sed -n '1p' "$out/stdout" | cut -d: -f1) (exit $last_rc): $(grep -m1 -i 'invalid\|contributor' "$out/stdout" | sed 's/^ *//')"
approve PR-103 cal --comment "retry is bounded"
record PR-103
decision PR-103 "agent-authored, a human owner approved"
verify_last PR-103
git_ checkout -q main && git_ merge -q --ff-only pr-103
say ""

# ------------------------------- PR-104: emergency fix during the freeze --
say "== PR-104  emergency: payments fix on 24 December, during the freeze (bo)"
git_ checkout -q -b pr-104 main
printf '\n/// Hotfix: a zero fee must not round up.\npub fn is_free(fee_bp: i64) -> bool {\n    fee_bp == 0\n}\n' >>"$repo/services/payments/src/lib.rs"
git_ add services/payments/src/lib.rs
commit bo "2026-12-24T03:10:00Z" "payments: never charge a fee when the rate is zero"
# Decisions use the runner's clock, never the commit's date (which the author
# sets). This walkthrough replays the night of 24 December: --now says so,
# and the bundle records that the decision time was given.
export WRIT_NOW="2026-12-24T03:30:00Z"
change PR-104-nobg main...pr-104 --label security-impact:reviewed
run_checks PR-104-nobg
decision PR-104-nobg "payments fix in the freeze, no break-glass"
change PR-104 main...pr-104 --emergency --label hotfix --label security-impact:reviewed
approve PR-104 olu --chain std::emergency::break_glass --comment "INC-2291: double fees on zero-rate merchants"
approve PR-104 ana
approve PR-104 pim
approve PR-104 sam
approve PR-104 eve
approve PR-104 ed
run_checks PR-104
decision PR-104 "emergency fix, break-glass"
say "      $(grep -m1 'lifted by' "$out/PR-104.explain.txt" | sed -E 's/^warning: //')"
verify_last PR-104
git_ checkout -q main && git_ merge -q --ff-only pr-104
say ""

for id in PR-101 PR-102 PR-103 PR-104-nobg PR-104; do
  w ledger verify "$evidence/$id"
  say "    → $(cat "$out/stdout")"
done
say ""

# --------------------------------------------------------------- summary --
say "== decisions"
[ "$quiet" = 1 ] || sed 's/^/  /' "$out/decisions.txt"
say ""
say "== one proof, explained: the emergency fix (writ explain out/PR-104.proof.json)"
[ "$quiet" = 1 ] || cat "$out/PR-104.explain.txt"
say ""
say "Everything is in $work: out/ (changes, proofs, explanations), evidence/ (checks,"
say "approvals, signed bundles, ledger), acme/ (the git repository), plan.json, graph.json."
