variable "name" {
  description = "Name of the IAM role, e.g. capstone-dev-users."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider (modules/eks)."
  type        = string
}

variable "oidc_issuer" {
  description = "The issuer without https:// (oidc.eks.<region>.amazonaws.com/id/<id>)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the service account."
  type        = string
}

variable "service_account" {
  description = "Name of the Kubernetes service account allowed to assume the role."
  type        = string
}

variable "secret_arns" {
  description = "Secrets Manager secrets the role may read."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key the secrets are encrypted with."
  type        = string
}

variable "tags" {
  description = "Tags added to the role."
  type        = map(string)
  default     = {}
}
