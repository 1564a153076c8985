"""Validates CALM architecture documents against the official CALM 1.2 JSON schemas, offline, and
against the workshop's patterns; and shows that documents breaking a pattern are rejected.

Usage:
    python3 validate.py SCHEMA_DIR PATTERN_DIR FILE...
    python3 validate.py SCHEMA_DIR PATTERN_DIR --rejected FIXTURE_DIR SPEC_DIR

The schemas refer to each other by their `$id` URLs (https://calm.finos.org/release/1.2/meta/...).
Every file of SCHEMA_DIR is registered under its own `$id`, so no reference ever goes to the
network; a reference the folder cannot satisfy is an error, not a download.

Which patterns of PATTERN_DIR a document must satisfy follows from its content, never from its
metadata (so deleting `metadata.pattern` switches nothing off), by the rule that
`tools/calm/src/patterns.rs` applies too: every document, the entry-point pattern; a document
running more than one of our binaries (service nodes with `metadata.cargo-bin`), the
microservices pattern as well. Each pattern is itself validated against the CALM meta-schema.

With --rejected, each FIXTURE_DIR/*.json names a spec of SPEC_DIR, changes to make to it (the
format `tools/calm/tests/rejected.rs` reads too), and the patterns that must reject the result.
A pattern that accepts a broken document fails the run.
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

CALM_SCHEMA = "https://calm.finos.org/release/1.2/meta/calm.json"
ENTRY_POINT = "entry-point.pattern.json"
MICROSERVICES = "microservices.pattern.json"


def load_registry(schema_dir: pathlib.Path) -> Registry:
    resources = []
    for path in sorted(schema_dir.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def applicable_patterns(document: dict) -> list[str]:
    """The pattern files `document` must satisfy, chosen by content as src/patterns.rs does."""
    ours = [
        node
        for node in document.get("nodes", [])
        if node.get("node-type") == "service" and (node.get("metadata") or {}).get("cargo-bin")
    ]
    patterns = [ENTRY_POINT]
    if len(ours) > 1:
        patterns.append(MICROSERVICES)
    return patterns


def errors_of(validator, instance) -> list:
    return sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))


def print_errors(errors) -> None:
    for error in errors:
        where = "/".join(str(part) for part in error.absolute_path) or "(document)"
        print(f"  - at {where}: {error.message[:300]}")


class Checker:
    def __init__(self, schema_dir: pathlib.Path, pattern_dir: pathlib.Path):
        self.registry = load_registry(schema_dir)
        self.calm = Draft202012Validator(self.registry[CALM_SCHEMA].contents, registry=self.registry)
        self.pattern_dir = pattern_dir
        self.patterns = {}

    def pattern(self, name: str):
        """The validator of pattern `name`, after checking the pattern itself against CALM."""
        if name not in self.patterns:
            pattern = json.loads((self.pattern_dir / name).read_text(encoding="utf-8"))
            errors = errors_of(self.calm, pattern)
            if errors:
                print(f"FAILED: pattern {name} against the CALM 1.2 schema")
                print_errors(errors)
                raise SystemExit(1)
            self.patterns[name] = Draft202012Validator(pattern, registry=self.registry)
        return self.patterns[name]

    def validate(self, name: str) -> int:
        document = json.loads(pathlib.Path(name).read_text(encoding="utf-8"))
        if document.get("$schema") != CALM_SCHEMA:
            print(f"FAILED: {name}: $schema must be {CALM_SCHEMA}")
            return 1
        failed = 0
        checks = [("the CALM 1.2 schema", self.calm)]
        checks += [(f"pattern {pattern}", self.pattern(pattern)) for pattern in applicable_patterns(document)]
        for what, validator in checks:
            errors = errors_of(validator, document)
            if errors:
                failed += 1
                print(f"FAILED: {name} against {what}")
                print_errors(errors)
            else:
                print(f"ok: {name} conforms to {what}")
        return failed

    def rejected(self, fixture_dir: pathlib.Path, spec_dir: pathlib.Path) -> int:
        fixtures = sorted(fixture_dir.glob("*.json"))
        if not fixtures:
            print(f"FAILED: no rejected documents in {fixture_dir}")
            return 1
        failed = 0
        for path in fixtures:
            fixture = json.loads(path.read_text(encoding="utf-8"))
            spec = spec_dir / f"{fixture['spec']}.architecture.json"
            document = apply_changes(json.loads(spec.read_text(encoding="utf-8")), fixture["changes"])
            applicable = applicable_patterns(document)
            for pattern in fixture["patterns"]:
                if pattern not in applicable:
                    failed += 1
                    print(f"FAILED: {path.name}: pattern {pattern} does not even apply to the broken document")
                    continue
                errors = errors_of(self.pattern(pattern), document)
                if errors:
                    print(f"ok: {path.name} is rejected by pattern {pattern}: {errors[0].message[:160]}")
                else:
                    failed += 1
                    print(f"FAILED: {path.name} is accepted by pattern {pattern}, but {fixture['description']}")
        return failed


def target_of(document: dict, change: dict):
    """The object a change applies to: a node or relationship by unique-id, else the document."""
    for key, array in (("node", "nodes"), ("relationship", "relationships")):
        if key in change:
            for element in document.get(array, []):
                if element.get("unique-id") == change[key]:
                    return element
            raise SystemExit(f"no {key} {change[key]!r} to change")
    return document


def apply_changes(document: dict, changes: list) -> dict:
    """Applies `set`, `remove` and `append` at JSON pointers relative to each change's target."""
    for change in changes:
        parts = [part for part in change["pointer"].split("/")[1:]]
        parent = target_of(document, change)
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent.setdefault(part, {})
        last = parts[-1]
        if isinstance(parent, list):
            last = int(last)
        if change["op"] == "set":
            parent[last] = change["value"]
        elif change["op"] == "remove":
            del parent[last]
        elif change["op"] == "append":
            parent[last].append(change["value"])
        else:
            raise SystemExit(f"unknown change {change['op']!r}")
    return document


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    checker = Checker(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
    if sys.argv[3] == "--rejected":
        return 1 if checker.rejected(pathlib.Path(sys.argv[4]), pathlib.Path(sys.argv[5])) else 0
    failed = sum(checker.validate(name) for name in sys.argv[3:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
