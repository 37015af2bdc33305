variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "Zones in that region to spread over, by name. Change them together with the region."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
}

variable "cluster_public_access_cidrs" {
  description = "Your addresses (office, VPN) allowed to reach the dev cluster's API from the internet."
  type        = list(string)
}

variable "cluster_admin_principal_arns" {
  description = "IAM roles or users that get cluster-admin besides whoever runs the first apply."
  type        = list(string)
  default     = []
}

variable "redis_cluster_mode_enabled" {
  description = "Redis Cluster (ElastiCache cluster mode) instead of one primary with replicas. Set CAPSTONE_REDIS__CLUSTER to the same value for the gateway and the users service (output redis_cluster_mode_enabled)."
  type        = bool
  default     = false
}
