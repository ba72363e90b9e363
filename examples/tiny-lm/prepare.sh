#!/usr/bin/env bash
# Prepares the tiny-lm example: installs the Debian packages it needs (PyTorch and the packages
# whose files become its text domains, through scripts/install-deps.sh with MIXBO_WITH_TORCH=1),
# then writes the byte-level token shards and their manifest (prepare.py; options pass through:
# --out DIR, --tiny, --max-bytes N, --max-file-bytes N, --domains a,b). Idempotent: a second run
# checks the packages and the shards' checksums and does nothing else.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MIXBO_WITH_TORCH=1 "$here/../../scripts/install-deps.sh"
exec /usr/bin/python3 "$here/prepare.py" "$@"
