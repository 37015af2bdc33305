output "primary_endpoint" {
  description = "Host name that always points at the current primary (it moves on failover). Empty in cluster mode, which has no single primary."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint" {
  description = "Host name spread over the replicas. Empty in cluster mode."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "configuration_endpoint_address" {
  description = "Cluster mode only (empty otherwise): the configuration endpoint, the seed from which a cluster client learns every shard. The URL output uses it in place of the primary endpoint."
  value       = aws_elasticache_replication_group.this.configuration_endpoint_address
}

output "cluster_mode_enabled" {
  description = "Whether the group runs in cluster mode: the value of CAPSTONE_REDIS__CLUSTER for the services."
  value       = var.cluster_mode_enabled
}

output "security_group_id" {
  description = "Security group of the cache."
  value       = aws_security_group.this.id
}

output "url" {
  description = "REDIS_URL for the services: TLS (rediss), the AUTH token as password, the primary endpoint (cluster mode: the configuration endpoint)."
  value       = "rediss://:${random_password.auth_token.result}@${local.endpoint}:6379"
  sensitive   = true
}
