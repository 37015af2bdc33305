provider "aws" {
  region = var.region

  # Every taggable resource gets these: the cost report can then be split
  # by project and environment, and anything without them was not made here.
  default_tags {
    tags = {
      Project     = "capstone"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}
