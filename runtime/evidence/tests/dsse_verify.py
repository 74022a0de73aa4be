#!/usr/bin/env python3
"""Independent verification of a writ evidence bundle.

Usage: dsse_verify.py BUNDLE PUBLIC_KEY

BUNDLE is a DSSE envelope file; PUBLIC_KEY is `ed25519:<base64>`. The
envelope is verified twice, by two implementations that share no code with
writ: securesystemslib's DSSE `Envelope.verify`, and a from-the-spec PAE
checked with the `cryptography` package. Then the in-toto Statement v1 inside
the verified payload is checked. Prints `OK ...` and exits 0 when valid;
prints the reason and exits 1 otherwise.
"""

import base64
import copy
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

INTOTO = "application/vnd.in-toto+json"


def fail(why):
    print(f"INVALID: {why}")
    sys.exit(1)


def pae(payload_type: bytes, payload: bytes) -> bytes:
    # DSSE v1.0.2: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
    return b"DSSEv1 %d %b %d %b" % (len(payload_type), payload_type, len(payload), payload)


def main():
    path, key_text = sys.argv[1], sys.argv[2]
    raw_key = base64.b64decode(key_text.split(":", 1)[1])
    with open(path, "rb") as f:
        doc = json.load(f)

    # 1. securesystemslib.
    envelope = Envelope.from_dict(copy.deepcopy(doc))
    keyid = hashlib.sha256(raw_key).hexdigest()
    key = SSlibKey(keyid, "ed25519", "ed25519", {"public": raw_key.hex()})
    try:
        envelope.verify([key], 1)
    except VerificationError as e:
        fail(f"securesystemslib: {e}")

    # 2. The spec's PAE with the cryptography package.
    payload = base64.b64decode(doc["payload"], validate=True)
    message = pae(doc["payloadType"].encode(), payload)
    public = Ed25519PublicKey.from_public_bytes(raw_key)
    ok = False
    for s in doc["signatures"]:
        try:
            public.verify(base64.b64decode(s["sig"], validate=True), message)
            ok = True
        except InvalidSignature:
            pass
    if not ok:
        fail("cryptography: no signature verifies over the PAE")

    # 3. Types inside the verified bytes.
    if envelope.payload_type != INTOTO:
        fail(f"payloadType is {envelope.payload_type!r}")
    statement = json.loads(envelope.payload)
    if statement.get("_type") != "https://in-toto.io/Statement/v1":
        fail(f"_type is {statement.get('_type')!r}")
    subjects = statement.get("subject") or []
    if len(subjects) != 1 or "sha256" not in subjects[0].get("digest", {}):
        fail("the subject must be one change with a sha256 digest")
    print(f"OK {statement['predicateType']} {subjects[0]['name']} keyid={keyid}")


if __name__ == "__main__":
    main()
