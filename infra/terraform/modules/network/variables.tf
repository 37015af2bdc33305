variable "name" {
  description = "Name prefix for the VPC and everything in it, e.g. capstone-dev."
  type        = string
}

variable "cidr_block" {
  description = "Address range of the VPC. A /16 leaves room for large private subnets (every pod takes a VPC address)."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Zones to spread subnets over, by name (eu-west-1a...): 2 is the minimum EKS and RDS Multi-AZ accept, 3 survives losing one zone with a majority left (RabbitMQ's quorum)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "List 2 or 3 availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper; the zone it lives in is a single point of failure for outbound traffic) instead of one per zone."
  type        = bool
  default     = false
}

variable "cluster_name" {
  description = "EKS cluster name, for the subnet tags that tell Kubernetes where to put load balancers."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days flow logs are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
