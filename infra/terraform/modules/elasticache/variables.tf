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
  description = "Redis OSS version (major.minor)."
  type        = string
  default     = "7.1"
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
