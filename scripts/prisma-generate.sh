#!/usr/bin/env bash
# Generates the Prisma client into control-plane/src/generated/prisma (not committed).
# Prisma's CLI insists on an engine binary path even though `generate` never runs it, and
# would otherwise try to download one: any existing file satisfies it (see ENVIRONMENT.md).
set -euo pipefail
cd "$(dirname "$0")/../control-plane"
node_bin=$(command -v node)
PRISMA_SCHEMA_ENGINE_BINARY="$node_bin" PRISMA_QUERY_ENGINE_LIBRARY="$node_bin" \
  CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 \
  node ../node_modules/prisma/build/index.js generate >/dev/null
