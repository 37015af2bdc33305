# ANCHOR: dev
# Dev: the same shape as prod, sized and switched for cost. Everything still
# runs in two zones, so failover can be tried here before it is needed there.
module "capstone" {
  source      = "../../modules/capstone"
  name        = "capstone-dev"
  environment = "dev"

  availability_zones = var.availability_zones # two: the fewest EKS and RDS accept
  single_nat_gateway = true                   # one NAT gateway: saves ~33 USD/month, one zone's failure cuts outbound traffic

  # A public API endpoint, limited to your addresses, so kubectl works from a
  # laptop without a VPN.
  cluster_endpoint_public_access = true
  cluster_public_access_cidrs    = var.cluster_public_access_cidrs
  cluster_admin_principal_arns   = var.cluster_admin_principal_arns
  node_instance_types            = ["t3.large", "t3a.large", "m5.large"]
  node_capacity_type             = "SPOT" # interruptions are fine here, the bill is not
  node_min_size                  = 2
  node_desired_size              = 2
  node_max_size                  = 3

  db_instance_class           = "db.t4g.micro"
  db_allocated_storage_gb     = 20
  db_max_allocated_storage_gb = 50
  db_multi_az                 = false # no standby: a failure means minutes of downtime, acceptable in dev
  db_read_replica             = false
  db_backup_retention_days    = 1
  db_deletion_protection      = false # so that terraform destroy works
  db_skip_final_snapshot      = true

  redis_node_type          = "cache.t4g.micro"
  redis_num_cache_clusters = 2 # the minimum for automatic failover
  # Off unless set in terraform.tfvars, to try Redis Cluster here first;
  # then two nodes per shard, the minimum for failover.
  redis_cluster_mode_enabled    = var.redis_cluster_mode_enabled
  redis_replicas_per_node_group = 1

  mq_instance_type   = "mq.m7g.medium"
  mq_deployment_mode = "SINGLE_INSTANCE"

  secret_recovery_window_days = 0 # delete at once, so a destroy and re-apply can reuse the names
  kms_deletion_window_days    = 7
}
# ANCHOR_END: dev
