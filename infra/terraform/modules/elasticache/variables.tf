variable "name" {
  description = "Replication group id and name prefix, e.g. capstone-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC the cache lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Data subnets; nodes are spread over their zones."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect on 6379 (the EKS node security group)."
  type        = list(string)
}

variable "engine_version" {
  description = "Redis OSS version (major.minor), 7.0 or later: transit_encryption_mode needs 7.0.5, and cluster mode's parameter group is named after the major version."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^([7-9]|[1-9][0-9])\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be major.minor, 7.0 or later (e.g. 7.1)."
  }
}

variable "node_type" {
  description = "Size of each node."
  type        = string
  default     = "cache.t4g.micro"
}

variable "num_cache_clusters" {
  description = "Nodes: one primary plus replicas. At least 2, so that a replica can take over (automatic failover)."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 2
    error_message = "Automatic failover needs at least one replica: num_cache_clusters >= 2."
  }
}

variable "cluster_mode_enabled" {
  description = "Redis Cluster: the key space is split over num_node_groups shards, each a primary with replicas_per_node_group replicas, and the services connect to the configuration endpoint with CAPSTONE_REDIS__CLUSTER=true. Off: one primary with replicas (num_cache_clusters)."
  type        = bool
  default     = false
}

variable "num_node_groups" {
  description = "Cluster mode only: shards, each holding a share of the 16384 hash slots. Ignored with cluster mode off."
  type        = number
  default     = 2

  validation {
    condition     = var.num_node_groups >= 1 && var.num_node_groups == floor(var.num_node_groups)
    error_message = "num_node_groups must be a whole number, at least 1."
  }
}

variable "replicas_per_node_group" {
  description = "Cluster mode only: replicas of each shard's primary, at least 1 so that a replica can take over (automatic failover), at most 5 (AWS's limit). Ignored with cluster mode off."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas_per_node_group >= 1 && var.replicas_per_node_group <= 5 && var.replicas_per_node_group == floor(var.replicas_per_node_group)
    error_message = "Automatic failover needs at least one replica per shard, and AWS allows at most 5: 1 <= replicas_per_node_group <= 5."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots. The cache can be rebuilt from Postgres, so a short window is enough."
  type        = number
  default     = 1
}

variable "kms_key_arn" {
  description = "KMS key for encryption at rest."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the slow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the slow log is kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
