terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    # random_bytes (the link-sealing keys) needs 3.5 or later.
    random = {
      source  = "hashicorp/random"
      version = ">= 3.7"
    }
  }
}
