variable "repository_names" {
  description = "Repositories to create. Capstone ships one image holding every binary."
  type        = list(string)
  default     = ["capstone"]
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the images."
  type        = string
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (left behind by multi-arch builds and failed pushes) are deleted."
  type        = number
  default     = 7
}

variable "keep_image_count" {
  description = "Most images kept per repository; older ones are deleted. Keep enough to roll back a few releases."
  type        = number
  default     = 50
}

variable "tags" {
  description = "Tags added to every repository."
  type        = map(string)
  default     = {}
}
