# Redis on ElastiCache: the users service's cache and login counters, the
# gateway's rate-limit counters. All of it can be lost without losing data
# (the services run "degraded" without Redis), which is why snapshots are
# kept for a day only.

# Redis AUTH token: 16-128 printable characters; letters and digits keep it
# safe inside a URL.
resource "random_password" "auth_token" {
  length  = 64
  special = false
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = "/aws/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

locals {
  # AWS's own parameter group for Redis Cluster of this major version
  # (default.redis7.cluster.on): the defaults with cluster-enabled yes.
  cluster_parameter_group = "default.redis${split(".", var.engine_version)[0]}.cluster.on"
  # The host the services connect to. In cluster mode it is the
  # configuration endpoint, a seed from which the client learns every
  # shard; there is no primary endpoint then.
  endpoint = (
    var.cluster_mode_enabled
    ? aws_elasticache_replication_group.this.configuration_endpoint_address
    : aws_elasticache_replication_group.this.primary_endpoint_address
  )
}

# ANCHOR: replication_group
resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "Capstone cache and rate-limit counters"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379

  # Cluster mode off (the default): one primary takes the writes, replicas
  # copy it, and the services use a single endpoint. Cluster mode on: the
  # 16384 hash slots are spread over num_node_groups shards, each a primary
  # with its own replicas, and the services use the cluster client
  # (CAPSTONE_REDIS__CLUSTER=true). AWS's parameter group sets
  # cluster-enabled.
  cluster_mode            = var.cluster_mode_enabled ? "enabled" : "disabled"
  parameter_group_name    = var.cluster_mode_enabled ? local.cluster_parameter_group : null
  num_cache_clusters      = var.cluster_mode_enabled ? null : var.num_cache_clusters
  num_node_groups         = var.cluster_mode_enabled ? var.num_node_groups : null
  replicas_per_node_group = var.cluster_mode_enabled ? var.replicas_per_node_group : null
  # When a primary fails, ElastiCache promotes one of its replicas (the
  # shard's, in cluster mode) in about a minute: the primary endpoint's DNS
  # name moves to it, or, in cluster mode, the slot map the cluster client
  # follows names it.
  automatic_failover_enabled = true
  multi_az_enabled           = true # replicas in other zones than the primary

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  # TLS only, so clients use rediss://. The token alone would travel in
  # clear text without it.
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.auth_token.result
  # On a token change, accept old and new until clients have moved over.
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:03:30-sun:04:30"
  auto_minor_version_upgrade = true

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = var.tags
}
# ANCHOR_END: replication_group
