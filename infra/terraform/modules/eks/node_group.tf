# A managed node group: EKS launches, drains and replaces the EC2 instances
# (rolling, one at a time) when the AMI or the launch template changes.

# ANCHOR: launch_template
resource "aws_launch_template" "node" {
  name_prefix = "${var.name}-node-"

  # IMDSv2 only, and at most one network hop: a process on the node can read
  # the instance metadata (and so the node role's credentials), but a pod,
  # one hop further away, cannot. Pods get credentials through IRSA instead.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.node_disk_size_gb
      volume_type           = "gp3"
      encrypted             = true # with the account's aws/ebs key
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-node" })
  }

  tags = var.tags
}
# ANCHOR_END: launch_template

# ANCHOR: node_group
resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "default"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids # private only: nodes have no public address
  ami_type        = "AL2023_x86_64_STANDARD"
  capacity_type   = var.node_capacity_type
  instance_types  = var.node_instance_types

  scaling_config {
    min_size     = var.node_min_size
    desired_size = var.node_desired_size
    max_size     = var.node_max_size
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  tags = var.tags

  lifecycle {
    # An autoscaler (Cluster Autoscaler, Karpenter) moves desired_size; a
    # later apply must not undo that.
    ignore_changes = [scaling_config[0].desired_size]
  }

  # The network policy agent is configured (addons.tf) before the first node,
  # and so the first pod, starts.
  depends_on = [aws_iam_role_policy_attachment.node, aws_eks_addon.vpc_cni]
}
# ANCHOR_END: node_group
