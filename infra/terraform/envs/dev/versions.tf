# Pinned versions. Terraform 1.11 is the first release where the S3
# backend's own lock file (use_lockfile, backend.tf) is generally available.
# The provider constraints allow minor and patch updates; the exact versions
# are recorded in .terraform.lock.hcl, which `terraform init` writes and
# which is committed, so every plan uses the same provider builds.
terraform {
  required_version = "~> 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}
