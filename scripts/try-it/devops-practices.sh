#!/usr/bin/env bash
# The DevOps practices chapter's "Try it" (docs/src/devops-practices.md
# includes it): what `kubectl apply -k` would send, and how dev and prod
# differ, without a cluster.
# needs: kubectl
# Usage: bash scripts/try-it/devops-practices.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

# ANCHOR: render
kubectl kustomize k8s/overlays/dev > "$WORK_DIR/dev.yaml"
kubectl kustomize k8s/overlays/prod > "$WORK_DIR/prod.yaml"
grep -h '^kind:' "$WORK_DIR/dev.yaml" | sort | uniq -c        # what dev deploys
grep -h '^kind:' "$WORK_DIR/prod.yaml" | sort | uniq -c       # and prod
diff <(grep -E '^  name:|replicas:|minReplicas:' "$WORK_DIR/dev.yaml") \
     <(grep -E '^  name:|replicas:|minReplicas:' "$WORK_DIR/prod.yaml") || true
# The probes: three questions (started? alive? ready?), asked of two paths
grep -E 'path: /health/' "$WORK_DIR/prod.yaml" | sort | uniq -c
expect_in "the probes" "$(cat "$WORK_DIR/prod.yaml")" "path: /health/ready"
# ANCHOR_END: render
