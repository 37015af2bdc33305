# ANCHOR: vpc_cni
# The Amazon VPC CNI, the network plugin that gives every pod a VPC address,
# taken over as a managed add-on so that Terraform owns its settings. EKS
# installs it with every cluster, but with its network policy agent off: the
# API server then accepts NetworkPolicy objects and nothing enforces them,
# so k8s/'s default deny and per-dependency egress rules would do nothing.
# enableNetworkPolicy turns the agent on, on every node.
data "aws_eks_addon_version" "vpc_cni" {
  addon_name         = "vpc-cni"
  kubernetes_version = aws_eks_cluster.this.version
  # The version EKS recommends for this Kubernetes version, not the newest:
  # a plan changes it only when the cluster is upgraded.
  most_recent = false
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name  = aws_eks_cluster.this.name
  addon_name    = "vpc-cni"
  addon_version = data.aws_eks_addon_version.vpc_cni.version
  configuration_values = jsonencode({
    enableNetworkPolicy = "true"
  })
  # The cluster comes with a self-managed copy of the plugin: the add-on
  # replaces its settings with ours instead of failing on the conflict.
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  tags                        = var.tags
}
# ANCHOR_END: vpc_cni
