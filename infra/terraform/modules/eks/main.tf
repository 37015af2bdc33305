# The EKS control plane. AWS runs the API servers and etcd across three zones;
# we choose who may reach it, what it logs and how its secrets are encrypted.

# EKS writes control-plane logs to this exact name. Creating the group first
# lets us set retention and encryption; otherwise EKS creates it with logs
# kept forever, unencrypted by our key.
resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

# ANCHOR: cluster
resource "aws_eks_cluster" "this" {
  #checkov:skip=CKV_AWS_38:public_access_cidrs comes from terraform.tfvars, which checkov cannot see; two variable validations refuse 0.0.0.0/0 and an empty list (which EKS would turn into 0.0.0.0/0).
  #checkov:skip=CKV_AWS_39:The public endpoint is an explicit per-environment choice (var.endpoint_public_access): dev turns it on, limited to public_access_cidrs (0.0.0.0/0 is refused by validation); prod keeps it off.
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids = var.subnet_ids
    # Nodes always talk to the API over the private endpoint, inside the VPC.
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  # Every control-plane log type. `audit` is the one that answers "who
  # changed this Deployment, and when?".
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  # Kubernetes Secrets are stored in etcd; this encrypts each one with a data
  # key that is itself encrypted by our KMS key (envelope encryption).
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = var.secrets_kms_key_arn
    }
  }

  # Who may use kubectl is managed through the EKS API (access entries,
  # access.tf), not the old aws-auth ConfigMap that one bad edit could break.
  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.cluster,
    aws_iam_role_policy_attachment.cluster,
  ]
}
# ANCHOR_END: cluster
