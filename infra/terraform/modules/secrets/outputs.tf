locals {
  all_secrets = merge(aws_secretsmanager_secret.generated, aws_secretsmanager_secret.filled_by_hand)
}

output "arns" {
  description = "Secret ARN by name after the prefix: users/database-url, users/link-secret, users/signing-key, worker/database-url, worker/smtp-username, worker/smtp-password, shared/redis-url, shared/amqp-url."
  value       = { for name, secret in local.all_secrets : name => secret.arn }
}

output "names" {
  description = "Full secret name by short name: what an ExternalSecret's remoteRef.key (or a SecretProviderClass's objectName) says."
  value       = { for name, secret in local.all_secrets : name => secret.name }
}
