variable "name" {
  description = "Prefix of the key aliases, e.g. capstone-dev."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a deleted key waits before it is gone for good (7-30). Data encrypted with it is unreadable after that."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every key."
  type        = map(string)
  default     = {}
}
