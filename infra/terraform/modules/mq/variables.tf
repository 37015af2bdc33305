variable "name" {
  description = "Broker name, e.g. capstone-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC the broker lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Data subnets. A single-instance broker uses the first; a cluster spreads over all of them."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect with AMQPS on 5671 (the EKS node security group)."
  type        = list(string)
}

variable "engine_version" {
  description = "RabbitMQ version on Amazon MQ (new brokers: 4.2, which runs on mq.m7g instances only)."
  type        = string
  default     = "4.2"
}

variable "instance_type" {
  description = "Broker instance type. mq.m7g.medium is meant for testing; production starts at mq.m7g.large."
  type        = string
  default     = "mq.m7g.medium"
}

variable "deployment_mode" {
  description = "SINGLE_INSTANCE (one node, one zone) or CLUSTER_MULTI_AZ (three nodes in three zones behind one endpoint)."
  type        = string
  default     = "SINGLE_INSTANCE"

  validation {
    condition     = contains(["SINGLE_INSTANCE", "CLUSTER_MULTI_AZ"], var.deployment_mode)
    error_message = "deployment_mode must be SINGLE_INSTANCE or CLUSTER_MULTI_AZ (ACTIVE_STANDBY_MULTI_AZ is ActiveMQ only)."
  }
}

variable "username" {
  description = "The broker user the services connect as."
  type        = string
  default     = "capstone"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
