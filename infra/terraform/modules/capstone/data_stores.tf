# The three stateful services compose.yaml runs as containers, here as
# managed services in the data subnets. Each admits connections from the
# EKS cluster security group only, which EKS attaches to the managed nodes
# (and so to the pods, which share their node's group).

locals {
  cluster_security_groups = [module.eks.node_security_group_id]
}

module "rds" {
  source                     = "../rds"
  name                       = var.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.data_subnet_ids
  allowed_security_group_ids = local.cluster_security_groups
  instance_class             = var.db_instance_class
  replica_instance_class     = var.db_replica_instance_class
  allocated_storage_gb       = var.db_allocated_storage_gb
  max_allocated_storage_gb   = var.db_max_allocated_storage_gb
  multi_az                   = var.db_multi_az
  create_read_replica        = var.db_read_replica
  backup_retention_days      = var.db_backup_retention_days
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = var.db_skip_final_snapshot
  database_name              = "capstone"
  kms_key_arn                = module.kms.data_key_arn
  logs_kms_key_arn           = module.kms.logs_key_arn
  log_retention_days         = var.log_retention_days
  tags                       = var.tags
}

module "elasticache" {
  source                     = "../elasticache"
  name                       = var.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.data_subnet_ids
  allowed_security_group_ids = local.cluster_security_groups
  node_type                  = var.redis_node_type
  num_cache_clusters         = var.redis_num_cache_clusters
  cluster_mode_enabled       = var.redis_cluster_mode_enabled
  num_node_groups            = var.redis_num_node_groups
  replicas_per_node_group    = var.redis_replicas_per_node_group
  kms_key_arn                = module.kms.data_key_arn
  logs_kms_key_arn           = module.kms.logs_key_arn
  log_retention_days         = var.log_retention_days
  tags                       = var.tags
}

module "mq" {
  source                     = "../mq"
  name                       = var.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.data_subnet_ids
  allowed_security_group_ids = local.cluster_security_groups
  instance_type              = var.mq_instance_type
  deployment_mode            = var.mq_deployment_mode
  tags                       = var.tags
}
