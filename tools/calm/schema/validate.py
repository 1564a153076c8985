"""Validates CALM architecture documents against the official CALM 1.2 JSON schemas, offline.

Usage: python3 validate.py SCHEMA_DIR FILE...

The schemas refer to each other by their `$id` URLs (https://calm.finos.org/release/1.2/meta/...).
Every file of SCHEMA_DIR is registered under its own `$id`, so no reference ever goes to the
network; a reference the folder cannot satisfy is an error, not a download.

A document whose `metadata.pattern` names a CALM pattern (a path relative to the document, such
as `patterns/microservices.pattern.json`) is validated against that pattern too, and the pattern
itself against the CALM meta-schema.
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

CALM_SCHEMA = "https://calm.finos.org/release/1.2/meta/calm.json"


def load_registry(schema_dir: pathlib.Path) -> Registry:
    resources = []
    for path in sorted(schema_dir.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    registry = load_registry(pathlib.Path(sys.argv[1]))
    validator = Draft202012Validator(registry[CALM_SCHEMA].contents, registry=registry)
    failed = 0
    for name in sys.argv[2:]:
        path = pathlib.Path(name)
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("$schema") != CALM_SCHEMA:
            print(f"FAILED: {name}: $schema must be {CALM_SCHEMA}")
            failed += 1
            continue
        checks = [("the CALM 1.2 schema", validator, document)]
        pattern_name = (document.get("metadata") or {}).get("pattern")
        if pattern_name:
            pattern = json.loads((path.parent / pattern_name).read_text(encoding="utf-8"))
            checks.append((f"the CALM 1.2 schema (pattern {pattern_name})", validator, pattern))
            checks.append((f"pattern {pattern_name}", Draft202012Validator(pattern, registry=registry), document))
        for what, check, instance in checks:
            errors = sorted(check.iter_errors(instance), key=lambda error: list(error.absolute_path))
            if errors:
                failed += 1
                print(f"FAILED: {name} against {what}")
                for error in errors:
                    where = "/".join(str(part) for part in error.absolute_path) or "(document)"
                    print(f"  - at {where}: {error.message[:300]}")
            else:
                print(f"ok: {name} conforms to {what}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
