# ANCHOR: prod
# Prod: the module's defaults are the production choices (three zones, a
# NAT gateway per zone, Multi-AZ PostgreSQL with a read replica, three Redis
# nodes, a three-node RabbitMQ cluster, deletion protection, a year of logs).
# Only what has no safe default is set here.
module "capstone" {
  source      = "../../modules/capstone"
  name        = "capstone-prod"
  environment = "prod"

  # Three zones: one can fail and each cluster (RabbitMQ, etcd) keeps a
  # majority.
  availability_zones = var.availability_zones

  # The Kubernetes API is reachable from inside the VPC only: run kubectl
  # and CD from there (a VPN, a bastion via Session Manager, or a CI runner
  # in the VPC).
  cluster_endpoint_public_access = false
  cluster_admin_principal_arns   = var.cluster_admin_principal_arns

  # Redis: one primary with two replicas, cluster mode off. Every key
  # expires (within a day, with the default settings), so memory follows
  # traffic, and one cache.m7g.large primary has room for this
  # deployment's; a cluster costs three nodes per shard. Turn it on
  # (terraform.tfvars) when one primary's memory or write throughput is
  # the limit, together with CAPSTONE_REDIS__CLUSTER=true in
  # k8s/overlays/prod.
  redis_cluster_mode_enabled = var.redis_cluster_mode_enabled
}
# ANCHOR_END: prod
