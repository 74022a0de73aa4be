#!/usr/bin/env bash
# writ-gate.sh — the pull-request gate of examples/ci/github-actions.yml.
#
# Owns every shell step of the workflow: taking the trust anchors (the
# security team's public keys and their signed plan) from the protected
# branch, never from the pull request; verifying the plan's signature against
# them; describing the change from git; emitting the checks it requires;
# running one of them under writ's own runner; and deciding.
# Threat model and recipe: docs/ci.md ("CI threat model").
#
# Copy it to .github/writ/writ-gate.sh. The workflow never runs the pull
# request's copy: it extracts this file from the protected branch with
# `git show` (a pull request can edit anything in its own checkout).
#
# Usage:
#   writ-gate.sh plan               emit the required checks (matrix.json, and
#                                   matrix=/count= to $GITHUB_OUTPUT when set)
#   writ-gate.sh check CHECK@NODE   run one required check with `writ run
#                                   --only` into $WRIT_EVIDENCE
#   writ-gate.sh decide             collect results and approvals, decide
#
# Inputs (environment; nothing is read from the pull request's files):
#   WRIT_BASE        base commit of the pull request (required)
#   WRIT_HEAD        head commit of the pull request (required)
#   WRIT_CHANGE_ID   change id, e.g. PR-123 (required)
#   WRIT_TRUST_REF   the protected ref the anchors are read from
#                    (default: WRIT_BASE; the workflow sets the default branch)
#   WRIT_ANCHORS     instead of WRIT_TRUST_REF: a folder outside the pull
#                    request holding plan.json, plan.json.sig, security.keys
#   WRIT_PLAN_PATH   the plan's path in the repository (default .writ/plan.json;
#                    its signature is the same path plus .sig)
#   WRIT_KEYS_PATH   the trusted keys' path (default .writ/security.keys)
#   WRIT_REPO        the git repository holding both commits (default .)
#   WRIT_OUT         where outputs go (default: a new temporary folder)
#   WRIT_EVIDENCE    check: the evidence folder written (default $WRIT_OUT/evidence)
#   WRIT_RESULTS_KEY_FILE  check: sign the result with this key (a `results`
#                    key of the trust file); else a throwaway key, not counted
#   WRIT_RESULTS     decide: one folder per check job, named [writ-check-]CHECK@NODE
#   WRIT_APPROVALS   decide: a folder of signed approvals (writ approve -o)
#   WRIT_RUNNER_KEY_FILE  decide: sign the decision with this key (writ run --no-run)
#   WRIT_LEDGER_REPO decide, with a runner key: share the decision log on this
#                    repository's refs/writ/ledger (`origin`, a path or a URL)
#   WRIT             the writ binary (default: writ on PATH)
#
# Exit status: decide: 0 allow, 1 deny, 3 pending; every mode: 2 when the
# gate refuses (untrusted plan, bad input) or fails. plan and check: 0 done.
set -euo pipefail

say() { printf 'writ-gate: %s\n' "$*" >&2; }
die() {
  printf 'writ-gate: refused: %s\n' "$*" >&2
  exit 2
}

mode=${1:-}
[ "$#" -gt 0 ] && shift
case "$mode" in
  plan | decide) [ "$#" -eq 0 ] || die "$mode takes no arguments" ;;
  check) [ "$#" -eq 1 ] || die "usage: writ-gate.sh check CHECK@NODE" ;;
  *) die "usage: writ-gate.sh plan | check CHECK@NODE | decide" ;;
esac

writ=${WRIT:-writ}
repo=${WRIT_REPO:-.}
plan_path=${WRIT_PLAN_PATH:-.writ/plan.json}
keys_path=${WRIT_KEYS_PATH:-.writ/security.keys}
command -v "$writ" >/dev/null || die "writ not found (set WRIT or PATH)"
command -v jq >/dev/null || die "jq not found"

# --- inputs: commits resolved to ids, the change id restricted to safe words
commit_of() { # NAME VALUE
  case "$2" in
    '' | -*) die "$1 must name a commit (got '${2}')" ;;
  esac
  git -C "$repo" rev-parse --verify --quiet --end-of-options "$2^{commit}" ||
    die "$1 '$2' is not a commit of $repo"
}
base=$(commit_of WRIT_BASE "${WRIT_BASE:-}")
head=$(commit_of WRIT_HEAD "${WRIT_HEAD:-}")
change_id=${WRIT_CHANGE_ID:-}
[[ $change_id =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] ||
  die "WRIT_CHANGE_ID must be letters, digits, '.', '_' or '-' (got '$change_id')"

out=${WRIT_OUT:-$(mktemp -d)}
mkdir -p "$out"
anchors="$out/anchors"
rm -rf "$anchors"
mkdir -p "$anchors"

# --- the trust anchors: from the protected branch or the operator's folder
if [ -n "${WRIT_ANCHORS:-}" ]; then
  source_desc="the operator's folder $WRIT_ANCHORS"
  for f in plan.json plan.json.sig security.keys; do
    cp -- "$WRIT_ANCHORS/$f" "$anchors/$f" || die "$source_desc has no $f"
  done
else
  trust_commit=$(commit_of WRIT_TRUST_REF "${WRIT_TRUST_REF:-$base}")
  source_desc="${WRIT_TRUST_REF:-the base commit} ($trust_commit)"
  git -C "$repo" show "$trust_commit:$plan_path" >"$anchors/plan.json" 2>/dev/null ||
    die "$source_desc has no $plan_path"
  git -C "$repo" show "$trust_commit:$plan_path.sig" >"$anchors/plan.json.sig" 2>/dev/null ||
    die "$source_desc has no $plan_path.sig: the plan must be signed (writ plan --sign)"
  git -C "$repo" show "$trust_commit:$keys_path" >"$anchors/security.keys" 2>/dev/null ||
    die "$source_desc has no $keys_path"
fi
plan="$anchors/plan.json"
keys="$anchors/security.keys"
# Every writ command below is given --trust; WRIT_TRUST says the same to any
# command that reads it instead (and replaces whatever the caller set).
export WRIT_TRUST="$keys"
say "trust anchors (plan, signature, keys) from $source_desc; the pull request's copies are never read"

# A pull request that edits the anchors or the gate is told its edits are data.
edited=$(git -C "$repo" diff --name-only "$base...$head" -- \
  "$plan_path" "$plan_path.sig" "$keys_path" .github/ || true)
if [ -n "$edited" ]; then
  while IFS= read -r f; do
    say "note: this pull request edits $f; the gate ignores the pull request's copy (anchors, gate script and workflow come from the protected branch)"
  done <<<"$edited"
fi

if ! verify_out=$("$writ" plan verify "$plan" --trust "$keys" 2>&1); then
  printf '%s\n' "$verify_out" >&2
  die "the plan from $source_desc is not signed by a key in its trusted keys: no decision"
fi
printf '%s\n' "$verify_out" >&2

jq -e '.graph | objects' "$plan" >"$anchors/graph.json" ||
  die "the plan from $source_desc embeds no graph"
"$writ" change "$base...$head" --repo "$repo" --graph "$anchors/graph.json" \
  --id "$change_id" -o "$out/change.json" ||
  die "cannot describe the change $base...$head"

case "$mode" in
  plan)
    "$writ" plan --plan "$plan" --change "$out/change.json" --emit github-matrix \
      >"$out/matrix.json" || die "cannot emit the required checks"
    count=$(jq '.include | length' "$out/matrix.json")
    say "$count required check(s) → $out/matrix.json"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
      {
        printf 'matrix=%s\n' "$(jq -c . "$out/matrix.json")"
        printf 'count=%s\n' "$count"
      } >>"$GITHUB_OUTPUT"
    fi
    ;;

  check)
    target=$1
    [[ $target =~ ^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+$ ]] || die "write CHECK@NODE (got '$target')"
    evidence=${WRIT_EVIDENCE:-$out/evidence}
    # The results key (WRIT_RESULTS_KEY_FILE) signs what writ's runner
    # observed; the code under test runs in writ's sandbox and never sees it.
    # Without it, a throwaway key: the gate does not count that result.
    key=${WRIT_RESULTS_KEY_FILE:-}
    if [ -z "$key" ]; then
      say "no WRIT_RESULTS_KEY_FILE: signing with a throwaway key; the gate will not count this result"
      "$writ" keygen -o "$out/ephemeral.key" >/dev/null 2>&1 || die "cannot make a key"
      key="$out/ephemeral.key"
    fi
    set +e
    "$writ" run --plan "$plan" --trust "$keys" --change "$out/change.json" \
      --evidence "$evidence" --key "$key" --only "$target" \
      --workdir "$repo" --jobs 1
    status=$?
    set -e
    rm -f "$out/ephemeral.key"
    # 0/1/3 is the decision with this one result; 2 is an error
    case "$status" in 0 | 1 | 3) ;; *) die "writ run failed ($status)" ;; esac
    ;;

  decide)
    evidence="$out/evidence"
    rm -rf "$evidence"
    mkdir -p "$evidence/checks" "$evidence/logs" "$evidence/approvals"
    # From each check job's folder, only the result of that job's check: a
    # job that runs the pull request's code never vouches for another check.
    if [ -n "${WRIT_RESULTS:-}" ] && [ -d "$WRIT_RESULTS" ]; then
      for dir in "$WRIT_RESULTS"/*/; do
        [ -d "$dir" ] || continue
        name=$(basename "$dir")
        name=${name#writ-check-}
        [[ $name =~ ^([A-Za-z0-9._-]+)@([A-Za-z0-9._-]+)$ ]] || {
          say "ignored $dir: not named CHECK@NODE"
          continue
        }
        check=${BASH_REMATCH[1]} node=${BASH_REMATCH[2]}
        found=0
        for f in "$dir/checks/$node.$check."*.json; do
          [ -f "$f" ] || continue
          cp -- "$f" "$evidence/checks/"
          found=1
        done
        for f in "$dir/logs/$node.$check."*; do
          [ -f "$f" ] && cp -- "$f" "$evidence/logs/"
        done
        [ "$found" = 1 ] || say "no result for $check on $node in $dir"
      done
    fi
    if [ -n "${WRIT_APPROVALS:-}" ] && [ -d "$WRIT_APPROVALS" ]; then
      for f in "$WRIT_APPROVALS"/*.json; do
        [ -f "$f" ] && cp -- "$f" "$evidence/approvals/"
      done
    fi
    set +e
    "$writ" eval --plan "$plan" --trust "$keys" --change "$out/change.json" \
      --evidence "$evidence" --format markdown --proof "$out/proof.json" >"$out/comment.md"
    status=$?
    set -e
    if [ -n "${WRIT_RUNNER_KEY_FILE:-}" ]; then
      # the shared decision log (docs/evidence.md): pull it, append this
      # decision (signed bundle, record, checkpoint), push it (never forced)
      if [ -n "${WRIT_LEDGER_REPO:-}" ]; then
        "$writ" ledger pull "$evidence" --repo "$WRIT_LEDGER_REPO" >&2 ||
          die "cannot pull the decision log from $WRIT_LEDGER_REPO"
      fi
      # sign the decision into an in-toto bundle and append it to the ledger
      "$writ" run --plan "$plan" --trust "$keys" --change "$out/change.json" \
        --evidence "$evidence" --key "$WRIT_RUNNER_KEY_FILE" --no-run >/dev/null ||
        case $? in 0 | 1 | 3) ;; *) die "cannot sign the decision" ;; esac
      if [ -n "${WRIT_LEDGER_REPO:-}" ]; then
        "$writ" ledger push "$evidence" --repo "$WRIT_LEDGER_REPO" \
          --key "$WRIT_RUNNER_KEY_FILE" >&2 || die "cannot push the decision log"
      fi
    fi
    case "$status" in
      0) say "decision: allow (plan from $source_desc)" ;;
      1) say "decision: deny (plan from $source_desc); see $out/comment.md" ;;
      3) say "decision: pending (plan from $source_desc); see $out/comment.md" ;;
      *) die "writ eval failed ($status)" ;;
    esac
    exit "$status"
    ;;
esac
