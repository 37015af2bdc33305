# PostgreSQL on RDS: AWS patches it, backs it up, fails it over and grows its
# disk. What is left to us is sizing, who may connect, and the settings.

locals {
  exported_logs = ["postgresql", "upgrade"]
}

# The master password is generated here and never written anywhere but the
# Terraform state (encrypted in S3) and Secrets Manager (modules/secrets).
# Letters and digits only: it goes into URLs, where @ : / would need escaping.
resource "random_password" "master" {
  length  = 40
  special = false
}

# ANCHOR: instance
resource "aws_db_instance" "primary" {
  #checkov:skip=CKV_AWS_161:The services log in with a password from Secrets Manager. IAM auth tokens expire every 15 minutes and need a pool that refreshes them, which the services do not have.
  #checkov:skip=CKV_AWS_157:Multi-AZ is a per-environment choice (var.multi_az): prod turns it on, dev saves half the cost without it.
  #checkov:skip=CKV_AWS_293:Deletion protection is a per-environment choice (var.deletion_protection): on in prod, off in dev so that terraform destroy works.
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_name  = var.database_name
  username = var.master_username
  password = random_password.master.result
  port     = 5432

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  # The CA that signs the server certificate; clients that verify it (as
  # they should) trust the RDS CA bundle for this name.
  ca_cert_identifier = "rds-ca-rsa2048-g1"

  multi_az                = var.multi_az
  backup_retention_period = var.backup_retention_days
  backup_window           = "02:00-03:00"         # UTC, before the maintenance window
  maintenance_window      = "sun:03:30-sun:04:30" # UTC
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = var.skip_final_snapshot
  # Only used when skip_final_snapshot is false.
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade  = true  # security fixes without us
  allow_major_version_upgrade = false # major upgrades are a planned change

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7 # days; 7 is free
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  enabled_cloudwatch_logs_exports       = local.exported_logs

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.exports]
}
# ANCHOR_END: instance

# ANCHOR: replica
# An asynchronous copy that serves reads. Unlike the Multi-AZ standby (which
# nobody can query), it answers SELECTs, lags the primary by a little, and
# survives the primary's deletion if promoted. Engine, storage encryption,
# credentials and subnets come from the source.
resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_161:Same as the primary: password authentication.
  #checkov:skip=CKV_AWS_157:A replica is the redundancy: a Multi-AZ replica would double it again for little gain here.
  #checkov:skip=CKV_AWS_133:Backups come from the primary (point-in-time restore); the replica holds the same data, so backing it up too only adds cost.
  #checkov:skip=CKV_AWS_293:Deletion protection follows var.deletion_protection like the primary (prod on, dev off).
  count                  = var.create_read_replica ? 1 : 0
  identifier             = "${var.name}-replica"
  replicate_source_db    = aws_db_instance.primary.identifier
  instance_class         = var.replica_instance_class
  storage_encrypted      = true
  kms_key_id             = var.kms_key_arn
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  multi_az                = false
  backup_retention_period = 0
  maintenance_window      = "sun:04:30-sun:05:30" # after the primary's
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = true # nothing on a replica that the primary lacks

  auto_minor_version_upgrade            = true
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  enabled_cloudwatch_logs_exports       = local.exported_logs

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.replica_exports]
}
# ANCHOR_END: replica
