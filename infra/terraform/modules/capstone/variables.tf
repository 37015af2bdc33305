# The knobs an environment turns. Defaults are the production-minded
# choice; envs/dev overrides the ones that cost money.

variable "name" {
  description = "Prefix of every resource name, e.g. capstone-dev. Lets dev and prod share one account."
  type        = string
}

variable "environment" {
  description = "dev or prod: the secret prefix (capstone/<environment>/...) and the ECR namespace."
  type        = string
}

variable "tags" {
  description = "Extra tags (the provider's default_tags already add Project, Environment and ManagedBy)."
  type        = map(string)
  default     = {}
}

# Network

variable "vpc_cidr" {
  description = "Address range of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Zone names, 2 or 3 (prod: 3)."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones instead of one per zone."
  type        = bool
  default     = false
}

# Kubernetes

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.35"
}

variable "cluster_endpoint_public_access" {
  description = "Expose the Kubernetes API publicly (limited to cluster_public_access_cidrs)."
  type        = bool
  default     = false
}

variable "cluster_public_access_cidrs" {
  description = "Addresses allowed to the public API endpoint."
  type        = list(string)
  default     = []
}

variable "cluster_admin_principal_arns" {
  description = "IAM principals that get cluster-admin."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Instance types of the node group."
  type        = list(string)
  default     = ["m7i.large"]
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
  default     = 3
}

variable "node_desired_size" {
  description = "Nodes at creation."
  type        = number
  default     = 3
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
  default     = 6
}

# PostgreSQL

variable "db_instance_class" {
  description = "Size of the PostgreSQL primary."
  type        = string
  default     = "db.m7g.large"
}

variable "db_replica_instance_class" {
  description = "Size of the read replica."
  type        = string
  default     = "db.m7g.large"
}

variable "db_allocated_storage_gb" {
  description = "Initial storage."
  type        = number
  default     = 50
}

variable "db_max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling."
  type        = number
  default     = 500
}

variable "db_multi_az" {
  description = "Synchronous standby in another zone."
  type        = bool
  default     = true
}

variable "db_read_replica" {
  description = "One asynchronous read replica, which the users service reads from (secret users/read-replica-urls; [] without it)."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of point-in-time recovery."
  type        = number
  default     = 14
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database."
  type        = bool
  default     = true
}

variable "db_skip_final_snapshot" {
  description = "Delete the database without a last snapshot."
  type        = bool
  default     = false
}

# Redis and RabbitMQ

variable "redis_node_type" {
  description = "Size of each Redis node."
  type        = string
  default     = "cache.m7g.large"
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes (primary + replicas), at least 2. Cluster mode off only."
  type        = number
  default     = 3
}

variable "redis_cluster_mode_enabled" {
  description = "Redis Cluster (ElastiCache cluster mode): keys spread over redis_num_node_groups shards. The overlay's CAPSTONE_REDIS__CLUSTER (gateway and users) must say the same (output redis_cluster_mode_enabled)."
  type        = bool
  default     = false
}

variable "redis_num_node_groups" {
  description = "Cluster mode only: Redis shards."
  type        = number
  default     = 2
}

variable "redis_replicas_per_node_group" {
  description = "Cluster mode only: replicas of each shard's primary, at least 1. Two put each shard's three nodes in three zones."
  type        = number
  default     = 2
}

variable "mq_instance_type" {
  description = "RabbitMQ broker instance type."
  type        = string
  default     = "mq.m7g.large"
}

variable "mq_deployment_mode" {
  description = "SINGLE_INSTANCE or CLUSTER_MULTI_AZ."
  type        = string
  default     = "CLUSTER_MULTI_AZ"
}

# Retention

variable "log_retention_days" {
  description = "Days every log group keeps its logs."
  type        = number
  default     = 365
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0: deleted at once)."
  type        = number
  default     = 30
}

variable "kms_deletion_window_days" {
  description = "Days a deleted KMS key waits before it is gone."
  type        = number
  default     = 30
}

# Kubernetes identities (must match the manifests in k8s/)

variable "kubernetes_namespace" {
  description = "Namespace the services run in."
  type        = string
  default     = "capstone"
}

variable "service_accounts" {
  description = "Kubernetes service account of each service."
  type        = object({ gateway = string, users = string, worker = string })
  default     = { gateway = "gateway", users = "users", worker = "worker" }
}

variable "external_secrets_service_account" {
  description = "Service account of the External Secrets Operator controller (its Helm chart's defaults)."
  type        = object({ namespace = string, name = string })
  default     = { namespace = "external-secrets", name = "external-secrets" }
}
