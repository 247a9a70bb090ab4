#!/usr/bin/env bash
# Run pytest and refuse a run in which no test executed (pytest exits 5 then).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/../.venv/bin/python" -m pytest "$@"
code=$?
if [[ $code == 5 ]]; then
    echo "pytest collected no tests: failing on purpose" >&2
    exit 1
fi
exit $code
