# The image registry. Repositories are named <environment>/capstone so that
# dev and prod can share an account; with one account per environment (the
# stronger setup) the prefix is harmless.

module "ecr" {
  source           = "../ecr"
  repository_names = ["${var.environment}/capstone"]
  kms_key_arn      = module.kms.data_key_arn
  tags             = var.tags
}
