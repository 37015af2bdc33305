output "amqp_endpoint" {
  description = "amqps://host:5671 of the broker (of the cluster's load balancer in cluster mode)."
  value       = aws_mq_broker.this.instances[0].endpoints[0]
}

output "console_url" {
  description = "RabbitMQ management UI, reachable from inside the VPC."
  value       = aws_mq_broker.this.instances[0].console_url
}

output "security_group_id" {
  description = "Security group of the broker."
  value       = aws_security_group.this.id
}

output "url" {
  description = "AMQP_URL for the services: TLS (amqps), the default virtual host (%2f is /)."
  value       = "${replace(aws_mq_broker.this.instances[0].endpoints[0], "amqps://", "amqps://${var.username}:${random_password.broker.result}@")}/%2f"
  sensitive   = true
}
