#!/usr/bin/env bash
# The Cloud computing chapter's "Try it" (docs/src/cloud.md includes it): the
# Terraform, read without an AWS account: its modules, its switches, and
# its formatting as CI checks it.
# needs: terraform
# Usage: bash scripts/try-it/cloud.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

# ANCHOR: terraform
ls infra/terraform/modules/                                     # one module per managed service
grep -rn 'module "' infra/terraform/envs/ infra/terraform/modules/capstone/   # who uses which
grep -n -A4 'variable "redis_cluster_mode_enabled"' infra/terraform/envs/dev/variables.tf   # a switch
expect_in "the ElastiCache module" "$(cat infra/terraform/modules/elasticache/main.tf)" 'cluster_mode'
terraform fmt -check -recursive infra/terraform && echo "formatted"
# ANCHOR_END: terraform
