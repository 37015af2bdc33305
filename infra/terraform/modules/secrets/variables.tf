variable "prefix" {
  description = "Start of every secret name, e.g. capstone/dev: names read as capstone/dev/users/database-url."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets. Readers need kms:Decrypt on it (modules/irsa grants it)."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored (7-30), or 0 to delete at once. While it waits, its name cannot be reused."
  type        = number
  default     = 30
}

variable "database_address" {
  description = "Host name of the PostgreSQL primary."
  type        = string
}

variable "database_replica_addresses" {
  description = "Host names of the PostgreSQL read replicas (same port and credentials as the primary); empty for none."
  type        = list(string)
  default     = []
}

variable "database_port" {
  description = "PostgreSQL port."
  type        = number
}

variable "database_username" {
  description = "PostgreSQL user the services log in as."
  type        = string
}

variable "database_password" {
  description = "Its password."
  type        = string
  sensitive   = true
}

variable "users_database_name" {
  description = "The users service's database."
  type        = string
  default     = "capstone"
}

variable "worker_database_name" {
  description = "The worker's database (database per service)."
  type        = string
  default     = "capstone_worker"
}

variable "redis_url" {
  description = "REDIS_URL, with its token."
  type        = string
  sensitive   = true
}

variable "amqp_url" {
  description = "AMQP_URL, with its password."
  type        = string
  sensitive   = true
}

variable "tags" {
  description = "Tags added to every secret."
  type        = map(string)
  default     = {}
}
