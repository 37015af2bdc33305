# ANCHOR: backend
# Remote state in S3: shared by everyone who runs Terraform, versioned by
# the bucket, encrypted, and locked while a plan or apply runs (a lock file
# next to the state, use_lockfile; the DynamoDB table older setups used is
# no longer needed). The state holds every generated password, so the bucket
# must be private and readable only by whoever runs Terraform.
#
# This is a partial configuration: the bucket and region differ per account
# and come from backend.hcl (copy backend.hcl.example):
#   terraform init -backend-config=backend.hcl
# For `terraform validate` without AWS access: terraform init -backend=false
terraform {
  backend "s3" {
    key          = "capstone/dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
# ANCHOR_END: backend
