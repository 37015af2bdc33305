# Two roles: one the control plane acts as (it manages ENIs and load
# balancers in our account), one the nodes act as (join the cluster, pull
# images, set up pod networking). Neither is what the pods act as: pods get
# their own roles through IRSA (oidc.tf, modules/irsa).

data "aws_partition" "current" {}

locals {
  managed_policy = "arn:${data.aws_partition.current.partition}:iam::aws:policy"
}

data "aws_iam_policy_document" "cluster_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${var.name}-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "${local.managed_policy}/AmazonEKSClusterPolicy"
}

data "aws_iam_policy_document" "node_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${var.name}-node"
  assume_role_policy = data.aws_iam_policy_document.node_trust.json
  tags               = var.tags
}

# ANCHOR: node_policies
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",          # join the cluster
    "AmazonEKS_CNI_Policy",               # the VPC CNI assigns pod addresses (ENIs)
    "AmazonEC2ContainerRegistryPullOnly", # pull images from ECR, and nothing more
    "AmazonSSMManagedInstanceCore",       # a shell through Session Manager: no SSH keys, no open port 22
  ])
  role       = aws_iam_role.node.name
  policy_arn = "${local.managed_policy}/${each.value}"
}
# ANCHOR_END: node_policies
