# Everything the Kustomize prod overlay (k8s/overlays/prod) needs, and
# nothing secret: secrets are referenced by name or ARN, never by value.

data "aws_region" "current" {}

output "region" {
  description = "AWS region (the SecretStore's or SecretProviderClass's region)."
  value       = data.aws_region.current.region
}

output "vpc_id" {
  description = "VPC of the cluster (the AWS Load Balancer Controller asks for it)."
  value       = module.network.vpc_id
}

output "vpc_cidr" {
  description = "Address range of the VPC."
  value       = module.network.vpc_cidr_block
}

# The services believe X-Forwarded-For only from these peers (their
# http.trusted_proxies). The gateway's peer is an ingress-nginx controller
# pod and the users service's a gateway pod; with the VPC CNI every pod
# takes its address from a private subnet. Those subnets hold nodes and
# pods only: the load balancers sit in the public subnets and the data
# stores in the data subnets, and neither is ever a peer the services
# should believe. So the private subnets, and not the whole VPC, are the
# narrowest list that still covers every pod.
output "trusted_proxy_cidrs" {
  description = "Private subnet ranges, where the ingress controller's and the gateway's pods take their addresses: the overlay's TRUSTED_PROXIES for gateway and users."
  value       = module.network.private_subnet_cidrs
}

output "data_subnets_cidr" {
  description = "Range of the data subnets (RDS, ElastiCache, Amazon MQ): the overlay's egress NetworkPolicy ipBlock."
  value       = module.network.data_subnets_cidr
}

output "nat_public_ips" {
  description = "Source addresses of outbound traffic."
  value       = module.network.nat_public_ips
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API URL."
  value       = module.eks.cluster_endpoint
}

output "ecr_repository_url" {
  description = "Image name for the overlay's images: newName."
  value       = module.ecr.repository_urls["${var.environment}/capstone"]
}

output "database_address" {
  description = "PostgreSQL primary host."
  value       = module.rds.address
}

output "database_replica_address" {
  description = "PostgreSQL read replica host (the primary's when db_read_replica is false)."
  value       = module.rds.replica_address
}

output "redis_primary_endpoint" {
  description = "Redis primary host (empty in cluster mode)."
  value       = module.elasticache.primary_endpoint
}

output "redis_configuration_endpoint" {
  description = "Redis Cluster's configuration endpoint (empty with cluster mode off)."
  value       = module.elasticache.configuration_endpoint_address
}

output "redis_cluster_mode_enabled" {
  description = "Whether Redis runs in cluster mode: CAPSTONE_REDIS__CLUSTER of the gateway and the users service."
  value       = module.elasticache.cluster_mode_enabled
}

output "amqp_endpoint" {
  description = "RabbitMQ amqps://host:port."
  value       = module.mq.amqp_endpoint
}

output "rabbitmq_console_url" {
  description = "RabbitMQ management UI (VPC only)."
  value       = module.mq.console_url
}

output "secret_arns" {
  description = "Secret ARN by short name."
  value       = module.secrets.arns
}

output "secret_names" {
  description = "Secret name by short name (remoteRef.key / objectName)."
  value       = module.secrets.names
}

output "service_account_role_arns" {
  description = "IAM role by service: the eks.amazonaws.com/role-arn annotation of its service account."
  value       = { for service, role in module.service_roles : service => role.role_arn }
}

output "external_secrets_role_arn" {
  description = "IAM role for the External Secrets Operator's service account."
  value       = module.external_secrets_role.role_arn
}
