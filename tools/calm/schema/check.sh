#!/usr/bin/env bash
# Validates every calm-specs/*.architecture.json (and the deployment views in
# calm-specs/deployments/) against the official CALM 1.2 JSON schemas in ../shared/calm-schemas/1.2
# (beside the repository; never copied into it, see the NOTICE there) and against the patterns
# in calm-specs/patterns/ that apply to it; then shows that every document in
# tools/calm/tests/rejected/ (a spec with a planted mistake) is rejected by its pattern.
# Offline: the schema folder is loaded as a registry, so no $ref is fetched from the network.
#
# The validator is Python's `jsonschema` from PyPI, installed into a throwaway venv under /tmp
# (reused by later runs). Without the schema folder (a learner's clone) this step says so and
# skips; under CI=true it fails instead, because a skipped check in CI is a silent gap.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
schemas="${CALM_SCHEMAS:-${root}/../shared/calm-schemas/1.2}"
venv="${CALM_SCHEMA_VENV:-/tmp/tasktracker-calm-schema-venv}"

if [[ ! -f "${schemas}/calm.json" ]]; then
    if [[ "${CI:-}" == "true" ]]; then
        echo "error: the CALM 1.2 schemas are missing (${schemas}); CI must check against them" >&2
        exit 1
    fi
    echo "SKIPPED: no CALM 1.2 schemas at ${schemas}; the typed checks in 'cargo test -p calm' still run"
    exit 0
fi

if ! "${venv}/bin/python" -c "import jsonschema" 2>/dev/null; then
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check "jsonschema==4.26.0"
fi

# Arguments name other files to check (a deliberately broken copy, say); by default every spec.
shopt -s nullglob
validate=("${venv}/bin/python" "${root}/tools/calm/schema/validate.py" "${schemas}" "${root}/calm-specs/patterns")
if (($#)); then exec "${validate[@]}" "$@"; fi
specs=("${root}"/calm-specs/*.architecture.json "${root}"/calm-specs/deployments/*.architecture.json)
if ((${#specs[@]} == 0)); then
    echo "error: no calm-specs/*.architecture.json to validate" >&2
    exit 1
fi
# Both halves run, so one run shows everything that is wrong.
status=0
"${validate[@]}" "${specs[@]}" || status=1
"${validate[@]}" --rejected "${root}/tools/calm/tests/rejected" "${root}/calm-specs" || status=1
exit "${status}"
