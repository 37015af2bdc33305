variable "name" {
  description = "Identifier of the DB instance and prefix of everything around it, e.g. capstone-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC the database lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Data subnets, in at least two zones (Multi-AZ puts the standby in another one)."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect on 5432: the EKS node security group, nothing else."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL major version; minor upgrades are applied automatically in the maintenance window."
  type        = string
  default     = "17"
}

variable "instance_class" {
  description = "Size of the primary (and standby)."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage."
  type        = number
  default     = 20
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling: RDS grows the volume before it fills up, up to this."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "Keep a synchronous standby in another zone that takes over in 1-2 minutes if the primary or its zone fails. Doubles the instance cost."
  type        = bool
  default     = true
}

variable "create_read_replica" {
  description = "Add one asynchronous read replica (for reports and read-only traffic; it can also be promoted by hand)."
  type        = bool
  default     = true
}

variable "replica_instance_class" {
  description = "Size of the read replica."
  type        = string
  default     = "db.t4g.micro"
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time restore to any second in that window). 0 turns backups off: never do that."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1
    error_message = "Keep at least one day of backups."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (terraform destroy fails) until this is turned off."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a last snapshot. Only for throwaway environments."
  type        = bool
  default     = false
}

variable "database_name" {
  description = "The database RDS creates (the users service's). Other databases, like the worker's, are created once by hand (see the README)."
  type        = string
  default     = "capstone"
}

variable "master_username" {
  description = "The master user (its password is generated)."
  type        = string
  default     = "capstone"
}

variable "slow_query_ms" {
  description = "Log every statement that runs longer than this (log_min_duration_statement). -1 turns it off."
  type        = number
  default     = 500
}

variable "kms_key_arn" {
  description = "KMS key for storage, snapshots and Performance Insights."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the exported log groups."
  type        = string
}

variable "log_retention_days" {
  description = "Days the exported PostgreSQL logs are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
