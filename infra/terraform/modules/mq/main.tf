# RabbitMQ on Amazon MQ: the outbox relay publishes to it, the worker
# consumes from it.

# RabbitMQ on Amazon MQ takes exactly one user at creation, the one below;
# more users (one per service, say) would be added through the RabbitMQ
# management API afterwards, outside Terraform. Passwords: 12-250
# characters, no commas, colons or equals signs; letters and digits also keep
# it safe in a URL.
resource "random_password" "broker" {
  length  = 32
  special = false
}

# ANCHOR: broker
resource "aws_mq_broker" "this" {
  #checkov:skip=CKV_AWS_209:The API's encryption options do not apply to RabbitMQ brokers: their storage is encrypted with an AWS-owned key, and a customer-managed key cannot be chosen.
  #checkov:skip=CKV_AWS_197:Audit logging exists for ActiveMQ only; RabbitMQ brokers support general logs, which are on.
  broker_name        = var.name
  engine_type        = "RabbitMQ"
  engine_version     = var.engine_version
  host_instance_type = var.instance_type
  deployment_mode    = var.deployment_mode

  # Private: reachable from inside the VPC only, through our security group.
  publicly_accessible = false
  subnet_ids          = var.deployment_mode == "SINGLE_INSTANCE" ? [var.subnet_ids[0]] : var.subnet_ids
  security_groups     = [aws_security_group.this.id]

  # Required for RabbitMQ 3.13 and later: Amazon MQ applies patch releases
  # itself in the maintenance window.
  auto_minor_version_upgrade = true
  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "04:00"
    time_zone   = "UTC"
  }

  logs {
    general = true
  }

  user {
    username = var.username
    password = random_password.broker.result
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_resource_policy.mq]
}
# ANCHOR_END: broker
