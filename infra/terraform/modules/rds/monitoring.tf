# What the database reports about itself: PostgreSQL logs in CloudWatch,
# OS metrics every minute (Enhanced Monitoring), and Performance Insights
# (the queries by wait, in main.tf).

data "aws_partition" "current" {}

# RDS exports to these names; created here for retention and encryption.
resource "aws_cloudwatch_log_group" "exports" {
  for_each          = toset(local.exported_logs)
  name              = "/aws/rds/instance/${var.name}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "replica_exports" {
  for_each          = var.create_read_replica ? toset(local.exported_logs) : toset([])
  name              = "/aws/rds/instance/${var.name}-replica/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

# Enhanced Monitoring: an agent on the DB host publishes OS metrics (CPU
# steal, memory, disk queue) as this role.
data "aws_iam_policy_document" "monitoring_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
