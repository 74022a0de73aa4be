//! The published JSON Schema (draft 2020-12) of the graph format.

use serde_json::{Value, json};

/// The JSON Schema of graph files, as printed by `writ graph schema`.
pub fn graph_schema() -> Value {
    let id = json!({"type": "string", "pattern": "^[A-Za-z0-9@][A-Za-z0-9._:/@#+~-]{0,255}$"});
    let name = json!({"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"});
    let ids = json!({"type": "array", "items": {"$ref": "#/$defs/id"}, "uniqueItems": true});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://writ.dev/schemas/graph-v1.json",
        "title": "writ system graph",
        "description": "Nodes (services, libraries, data stores, …) with owners, path globs and checks; edges between them; teams and people. See docs/graph.md.",
        "type": "object",
        "required": ["version"],
        "additionalProperties": false,
        "properties": {
            "$schema": {"type": "string"},
            "version": {"const": 1},
            "node_kinds": {"description": "Node kinds beyond the built-in ones (api, component, datastore, library, pipeline, resource, service, system).", "type": "array", "items": {"$ref": "#/$defs/name"}},
            "edge_kinds": {"description": "Edge kinds beyond the built-in ones (calls, consumes_api, depends_on, deploys, dev_depends_on, has_part, provided_by, reads, writes).", "type": "array", "items": {"$ref": "#/$defs/name"}},
            "teams": {"type": "array", "items": {"$ref": "#/$defs/team"}},
            "people": {"type": "array", "items": {"$ref": "#/$defs/person"}},
            "nodes": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            "unowned_paths": {"description": "Claims that make matching files unowned (CODEOWNERS entries without owners).", "type": "array", "items": {"$ref": "#/$defs/path"}},
            "global_files": {"type": "array", "items": {"$ref": "#/$defs/global_files"}}
        },
        "$defs": {
            "id": id,
            "name": name,
            "ids": ids,
            "path": {
                "description": "A glob relative to the repository root (`*` stops at `/`, `**` crosses directories), or a claim with a priority and a layer: within a layer the highest-priority matching claims win; layers combine.",
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "object", "required": ["glob"], "additionalProperties": false, "properties": {
                        "glob": {"type": "string", "minLength": 1},
                        "priority": {"type": "integer"},
                        "layer": {"type": "string"}
                    }}
                ]
            },
            "team": {"type": "object", "required": ["id"], "additionalProperties": false, "properties": {
                "id": {"$ref": "#/$defs/id"},
                "description": {"type": "string"},
                "members": {"description": "Person ids.", "$ref": "#/$defs/ids"},
                "aliases": {"description": "Other names of this team in other sources (`@org/payments`, `group:payments`).", "$ref": "#/$defs/ids"}
            }},
            "person": {"type": "object", "required": ["id"], "additionalProperties": false, "properties": {
                "id": {"$ref": "#/$defs/id"},
                "name": {"type": "string"},
                "kind": {"enum": ["human", "agent"], "default": "human"},
                "emails": {"type": "array", "items": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"}},
                "keys": {"type": "array", "items": {"type": "string", "pattern": "^ed25519:[A-Za-z0-9+/]{43}=$"}},
                "aliases": {"description": "Other names of this person: forge handles (`@alice`), Backstage refs (`user:alice`).", "$ref": "#/$defs/ids"}
            }},
            "check": {"type": "object", "required": ["run"], "additionalProperties": false, "properties": {
                "run": {"description": "argv, program first; run without a shell.", "type": "array", "minItems": 1, "items": {"type": "string"}},
                "timeout": {"type": "string", "pattern": "^([0-9]+h)?([0-9]+m)?([0-9]+s)?$"},
                "network": {"description": "the check needs the network; without it `writ run` gives it only its own loopback.", "type": "boolean", "default": false},
                "redact": {"description": "extra redaction patterns (regular expressions) for the check's output.", "type": "array", "items": {"type": "string"}}
            }},
            "node": {"type": "object", "required": ["id", "kind"], "additionalProperties": false, "properties": {
                "id": {"$ref": "#/$defs/id"},
                "kind": {"$ref": "#/$defs/name"},
                "description": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "attributes": {"type": "object", "additionalProperties": {"type": ["string", "integer", "boolean"]}},
                "owners": {"description": "Team or person ids.", "$ref": "#/$defs/ids"},
                "paths": {"type": "array", "items": {"$ref": "#/$defs/path"}},
                "checks": {"type": "object", "additionalProperties": {"$ref": "#/$defs/check"}},
                "edges": {"description": "Outgoing edges by kind: `a.edges.calls = [b]` means a calls b, so a change to b reaches a.", "type": "object", "additionalProperties": {"$ref": "#/$defs/ids"}}
            }},
            "global_files": {"type": "object", "required": ["paths"], "additionalProperties": false, "properties": {
                "paths": {"type": "array", "items": {"$ref": "#/$defs/path"}},
                "nodes": {"$ref": "#/$defs/ids"},
                "kinds": {"type": "array", "items": {"$ref": "#/$defs/name"}},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}
        }
    })
}
