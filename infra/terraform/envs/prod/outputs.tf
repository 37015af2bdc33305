# What the Kustomize overlay and kubectl need (README: "Outputs and the prod
# overlay"). `terraform output` lists them; `terraform output -raw NAME` or
# `-json NAME` prints one for a script. Nothing secret: secrets are named
# here, their values stay in Secrets Manager.

output "region" {
  description = "AWS region: the SecretStore's region."
  value       = module.capstone.region
}

output "cluster_name" {
  description = "EKS cluster: aws eks update-kubeconfig --region <region> --name <this>."
  value       = module.capstone.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API URL."
  value       = module.capstone.cluster_endpoint
}

output "vpc_id" {
  description = "VPC of the cluster."
  value       = module.capstone.vpc_id
}

output "vpc_cidr" {
  description = "VPC range."
  value       = module.capstone.vpc_cidr
}

output "trusted_proxy_cidrs" {
  description = "Private subnet ranges (the pods'): gateway's and users' TRUSTED_PROXIES in the overlay."
  value       = module.capstone.trusted_proxy_cidrs
}

output "data_subnets_cidr" {
  description = "Data subnets' range: the egress NetworkPolicy's ipBlock."
  value       = module.capstone.data_subnets_cidr
}

output "nat_public_ips" {
  description = "Source addresses of outbound traffic (allowlist them at third parties)."
  value       = module.capstone.nat_public_ips
}

output "ecr_repository_url" {
  description = "The image's repository: the overlay's images[capstone].newName."
  value       = module.capstone.ecr_repository_url
}

output "database_address" {
  description = "PostgreSQL primary host (already inside the database URL secrets)."
  value       = module.capstone.database_address
}

output "database_replica_address" {
  description = "PostgreSQL read replica host, the primary's without one (the replica's URL is already in the users/read-replica-urls secret, [] without one)."
  value       = module.capstone.database_replica_address
}

output "redis_primary_endpoint" {
  description = "Redis primary host (already inside the Redis URL secret); empty in cluster mode."
  value       = module.capstone.redis_primary_endpoint
}

output "redis_configuration_endpoint" {
  description = "Redis Cluster's configuration endpoint (already inside the Redis URL secret in cluster mode); empty with cluster mode off."
  value       = module.capstone.redis_configuration_endpoint
}

output "redis_cluster_mode_enabled" {
  description = "The overlay's CAPSTONE_REDIS__CLUSTER, gateway and users alike: true when Redis runs in cluster mode."
  value       = module.capstone.redis_cluster_mode_enabled
}

output "amqp_endpoint" {
  description = "RabbitMQ amqps:// endpoint (already inside the AMQP URL secret)."
  value       = module.capstone.amqp_endpoint
}

output "rabbitmq_console_url" {
  description = "RabbitMQ management UI, reachable from inside the VPC."
  value       = module.capstone.rabbitmq_console_url
}

output "secret_names" {
  description = "Secrets Manager name by short name: the ExternalSecrets' remoteRef.key."
  value       = module.capstone.secret_names
}

output "secret_arns" {
  description = "Secrets Manager ARN by short name."
  value       = module.capstone.secret_arns
}

output "service_account_role_arns" {
  description = "IRSA role by service: the eks.amazonaws.com/role-arn annotation of its ServiceAccount."
  value       = module.capstone.service_account_role_arns
}

output "external_secrets_role_arn" {
  description = "IRSA role of the External Secrets Operator (ServiceAccount external-secrets/external-secrets)."
  value       = module.capstone.external_secrets_role_arn
}
