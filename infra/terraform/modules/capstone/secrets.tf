# Every credential, assembled into the URLs the services read and stored in
# Secrets Manager under capstone/<environment>/...

module "secrets" {
  source               = "../secrets"
  prefix               = "capstone/${var.environment}"
  kms_key_arn          = module.kms.data_key_arn
  recovery_window_days = var.secret_recovery_window_days
  database_address     = module.rds.address
  database_port        = module.rds.port
  # Empty when db_read_replica is false: users/read-replica-urls is then [].
  database_replica_addresses = module.rds.replica_addresses
  database_username          = module.rds.master_username
  database_password          = module.rds.master_password
  users_database_name        = "capstone"
  worker_database_name       = "capstone_worker"
  redis_url                  = module.elasticache.url
  amqp_url                   = module.mq.url
  tags                       = var.tags
}
