locals {
  all_secrets = merge(
    aws_secretsmanager_secret.generated,
    aws_secretsmanager_secret.filled_by_hand,
    aws_secretsmanager_secret.link_sealing,
  )
}

output "arns" {
  description = "Secret ARN by name after the prefix: users/database-url, users/link-secret, users/read-replica-urls, users/signing-key, worker/database-url, worker/smtp-username, worker/smtp-password, shared/redis-url, shared/amqp-url, shared/link-sealing/<key id> (shared/link-sealing/k1)."
  value       = { for name, secret in local.all_secrets : name => secret.arn }
}

output "names" {
  description = "Full secret name by short name: what an ExternalSecret's remoteRef.key (or a SecretProviderClass's objectName) says."
  value       = { for name, secret in local.all_secrets : name => secret.name }
}

output "link_sealing_key_names" {
  description = "Short names of the link-sealing keys (shared/link-sealing/<key id>): both the users service and the worker read every one."
  value       = keys(local.link_sealing_keys)
}
