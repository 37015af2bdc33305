output "address" {
  description = "Host name of the primary. It follows a Multi-AZ failover (a DNS change), so clients must reconnect, not cache the IP."
  value       = aws_db_instance.primary.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.primary.port
}

output "replica_address" {
  description = "Host name of the read replica (the primary's when there is none)."
  value       = var.create_read_replica ? aws_db_instance.replica[0].address : aws_db_instance.primary.address
}

# Empty without a replica, where replica_address falls back to the primary:
# what the users service's read_replicas.urls is built from (modules/secrets),
# so that "no replica" reads as no replica, not as a second primary pool.
output "replica_addresses" {
  description = "Host names of the read replicas: one with create_read_replica, none without."
  value       = aws_db_instance.replica[*].address
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}

output "master_username" {
  description = "Master user name."
  value       = aws_db_instance.primary.username
}

output "master_password" {
  description = "Master password (generated)."
  value       = random_password.master.result
  sensitive   = true
}
