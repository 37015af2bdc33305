# The whole Capstone platform on AWS, composed from the modules next to this
# one. envs/dev and envs/prod each call this module once with their own
# sizes, so the two environments cannot drift apart in shape, only in size.
#
#   kms ──> network ──> eks ──> rds, elasticache, mq ──> secrets ──> irsa
#                                 (admit the EKS cluster security group only)

# ANCHOR: compose
module "kms" {
  source                  = "../kms"
  name                    = var.name
  deletion_window_in_days = var.kms_deletion_window_days
  tags                    = var.tags
}

module "network" {
  source             = "../network"
  name               = var.name
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = var.name
  logs_kms_key_arn   = module.kms.logs_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "eks" {
  source                 = "../eks"
  name                   = var.name
  kubernetes_version     = var.kubernetes_version
  subnet_ids             = module.network.private_subnet_ids
  endpoint_public_access = var.cluster_endpoint_public_access
  public_access_cidrs    = var.cluster_public_access_cidrs
  admin_principal_arns   = var.cluster_admin_principal_arns
  secrets_kms_key_arn    = module.kms.data_key_arn
  logs_kms_key_arn       = module.kms.logs_key_arn
  log_retention_days     = var.log_retention_days
  node_instance_types    = var.node_instance_types
  node_capacity_type     = var.node_capacity_type
  node_min_size          = var.node_min_size
  node_desired_size      = var.node_desired_size
  node_max_size          = var.node_max_size
  tags                   = var.tags
}
# ANCHOR_END: compose
