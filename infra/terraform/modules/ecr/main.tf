# ECR: the private image registry the cluster pulls from. Nodes may pull
# (AmazonEC2ContainerRegistryPullOnly on the node role); pushing is for CD.

# ANCHOR: repository
resource "aws_ecr_repository" "this" {
  for_each = toset(var.repository_names)
  name     = each.value

  # A tag, once pushed, always means the same image: a deployment that says
  # 1.4.2 (or a commit sha) cannot silently change under a running cluster.
  image_tag_mutability = "IMMUTABLE"

  # Each push is scanned for known vulnerabilities in OS packages.
  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}
# ANCHOR_END: repository
