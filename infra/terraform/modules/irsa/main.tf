# One IAM role for one Kubernetes service account (IRSA). A pod running as
# that service account gets a projected token; the AWS SDK inside the pod
# (or the Secrets Store CSI driver, or External Secrets) trades it for this
# role's credentials. No access keys anywhere, and a pod under another
# service account cannot assume the role.

data "aws_region" "current" {}

# ANCHOR: trust
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    # The token's subject must be exactly this service account...
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }
    # ...and the token must have been minted for AWS STS.
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}
# ANCHOR_END: trust

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

# ANCHOR: read_secrets
# Read these secrets, and decrypt with the key only on behalf of Secrets
# Manager: the role cannot use the key to decrypt anything else.
data "aws_iam_policy_document" "read_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.secret_arns
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
}
# ANCHOR_END: read_secrets

resource "aws_iam_role_policy" "read_secrets" {
  name   = "read-secrets"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.read_secrets.json
}
