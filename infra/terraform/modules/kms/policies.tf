# Key policies. In a key policy, `resources = ["*"]` means "this key": a key
# policy is attached to exactly one key and cannot name any other resource.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
}

# The account root statement does not give the root user special powers: it
# hands the decision to IAM, so an IAM policy (such as the IRSA roles' policy
# in modules/irsa) can grant use of the key. Without it only the key policy
# could, and a typo in it could lock everyone out of the key for good.
data "aws_iam_policy_document" "data_key" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is this key only; the statement delegates to IAM policies, which are scoped.
  #checkov:skip=CKV_AWS_111:Same: "*" in a key policy cannot reach any resource but the key itself.
  #checkov:skip=CKV_AWS_356:Same: a key policy cannot name other resources, "*" is the only valid value.
  statement {
    sid       = "DelegateToIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }
}

data "aws_iam_policy_document" "logs_key" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is this key only; the statement delegates to IAM policies, which are scoped.
  #checkov:skip=CKV_AWS_111:Same: "*" in a key policy cannot reach any resource but the key itself.
  #checkov:skip=CKV_AWS_356:Same: a key policy cannot name other resources, "*" is the only valid value.
  statement {
    sid       = "DelegateToIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  # CloudWatch Logs encrypts each log group with the key itself (not as the
  # caller), so the service needs the key policy's permission. The condition
  # limits it to log groups of this account and region.
  statement {
    sid = "CloudWatchLogs"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}
