variable "name" {
  description = "Cluster name, e.g. capstone-dev."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version. EKS supports each for about 14 months (then extended support costs 6x): plan one upgrade a year."
  type        = string
  default     = "1.35"
}

variable "subnet_ids" {
  description = "Private subnets for the control plane's network interfaces and the nodes."
  type        = list(string)
}

variable "endpoint_public_access" {
  description = "Whether the Kubernetes API is reachable from the internet (limited to public_access_cidrs). Off: only from inside the VPC (a VPN, a bastion, or a CI runner in the VPC)."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "Addresses allowed to reach the public API endpoint, when it is on. Never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "Do not open the Kubernetes API to the whole internet: list your office or VPN addresses."
  }

  # An empty list would not mean "nobody": EKS fills in 0.0.0.0/0.
  validation {
    condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
    error_message = "With endpoint_public_access on, list at least one address range in public_access_cidrs."
  }
}

variable "admin_principal_arns" {
  description = "IAM users or roles that get cluster-admin through EKS access entries (besides whoever creates the cluster)."
  type        = list(string)
  default     = []
}

variable "secrets_kms_key_arn" {
  description = "KMS key for envelope encryption of Kubernetes Secrets in etcd."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the control-plane log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days control-plane logs are kept."
  type        = number
  default     = 365
}

variable "node_instance_types" {
  description = "EC2 instance types for the managed node group (several give Spot more pools to draw from)."
  type        = list(string)
  default     = ["t3.large"]
}

variable "node_capacity_type" {
  description = "ON_DEMAND, or SPOT (up to 90% cheaper, can be reclaimed with two minutes' notice)."
  type        = string
  default     = "ON_DEMAND"
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
  default     = 2
}

variable "node_desired_size" {
  description = "Nodes at creation; later changes belong to an autoscaler, so Terraform ignores drift here."
  type        = number
  default     = 2
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
  default     = 4
}

variable "node_disk_size_gb" {
  description = "Root volume of each node (images and container logs live here)."
  type        = number
  default     = 40
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
