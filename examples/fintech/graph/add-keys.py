#!/usr/bin/env python3
"""Adds people's public keys to a graph file.

usage: add-keys.py GRAPH KEYS > OUT

KEYS has one `person ed25519:<base64>` per line (what `writ keygen` prints,
with the person's id in front). A person the graph does not list is added
with just an id and the key; the importers then merge the rest in.
"""
import json
import sys

graph = json.load(open(sys.argv[1]))
keys = {}
for line in open(sys.argv[2]):
    line = line.strip()
    if line and not line.startswith("#"):
        person, key = line.split()
        keys.setdefault(person, []).append(key)
people = {p["id"]: p for p in graph.setdefault("people", [])}
for person, ks in sorted(keys.items()):
    entry = people.get(person)
    if entry is None:
        entry = {"id": person}
        graph["people"].append(entry)
    entry["keys"] = sorted(set(entry.get("keys", []) + ks))
json.dump(graph, sys.stdout, indent=2)
sys.stdout.write("\n")
