# Customer-managed KMS keys. AWS-managed keys (aws/rds, aws/secretsmanager...)
# would work too, but their policies cannot be changed and they cannot be
# shared across services or audited per purpose. Two keys, split by who may
# use them:
#
# - `data` encrypts what holds application data or credentials: RDS storage
#   and Performance Insights, ElastiCache, Secrets Manager, ECR images and the
#   Kubernetes secrets inside EKS (envelope encryption).
# - `logs` encrypts CloudWatch log groups. It is separate because its policy
#   must let the CloudWatch Logs service itself use it, which the data key
#   should never allow.
#
# Each key costs about 1 USD a month plus requests.

# ANCHOR: data_key
resource "aws_kms_key" "data" {
  description             = "${var.name}: data at rest (RDS, ElastiCache, Secrets Manager, ECR, EKS secrets)"
  enable_key_rotation     = true # a new key version every year; old data stays readable
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.data_key.json
  tags                    = var.tags
}
# ANCHOR_END: data_key

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_kms_key" "logs" {
  description             = "${var.name}: CloudWatch log groups"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.logs_key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}
