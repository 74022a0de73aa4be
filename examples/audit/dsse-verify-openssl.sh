#!/usr/bin/env bash
# Verifies a writ evidence bundle with standard tools only (OpenSSL 3, jq,
# base64): no writ, no Python. The bundle is a DSSE envelope; its signature
# is ed25519 over the DSSE pre-authentication encoding (PAE) of the payload.
# Then prints the in-toto Statement's type, predicate type, subject and
# outcome from the verified payload. See docs/auditing.md.
#
# usage: dsse-verify-openssl.sh BUNDLE 'ed25519:<base64>'   (the CI runner's public key)
# exit:  0 a signature verifies with that key, 1 none does
set -euo pipefail
bundle=$1 key=$2
tmp=$(mktemp -d)
# 1. the public key as PEM: the DER prefix of an Ed25519 SubjectPublicKeyInfo + the 32 raw bytes
{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; printf '%s' "${key#ed25519:}" | base64 -d; } \
  | openssl pkey -pubin -inform DER -out "$tmp/key.pem"
# 2. the DSSE pre-authentication encoding of the payload
type=$(jq -r .payloadType "$bundle")
jq -r .payload "$bundle" | base64 -d > "$tmp/payload"
{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c < "$tmp/payload")"; cat "$tmp/payload"; } > "$tmp/pae"
# 3. each signature, until one verifies
for i in $(seq 0 $(( $(jq '.signatures | length' "$bundle") - 1 ))); do
  jq -r ".signatures[$i].sig" "$bundle" | base64 -d > "$tmp/sig"
  if openssl pkeyutl -verify -pubin -inkey "$tmp/key.pem" -rawin -in "$tmp/pae" -sigfile "$tmp/sig" >/dev/null; then
    [ "$type" = application/vnd.in-toto+json ] || { echo "unexpected payloadType $type"; exit 1; }
    echo "signature OK"
    jq '{type: ._type, predicateType, subject, outcome: .predicate.outcome}' "$tmp/payload"
    exit 0
  fi
done
echo "no valid signature"
exit 1
