# ANCHOR: oidc
# IRSA (IAM Roles for Service Accounts): the cluster signs a token for each
# pod's service account; registering the cluster's token issuer with IAM lets
# a pod trade that token for the credentials of one IAM role
# (sts:AssumeRoleWithWebIdentity). Each role's trust policy names the one
# service account allowed to assume it (modules/irsa).
#
# No thumbprint_list: IAM verifies the EKS issuer against its own trusted
# certificate authorities, so a pinned thumbprint would only break when the
# certificate is rotated.
resource "aws_iam_openid_connect_provider" "this" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}
# ANCHOR_END: oidc
