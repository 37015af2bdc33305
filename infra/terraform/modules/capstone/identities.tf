# ANCHOR: identities
# Who may read which secret. Each service's role is limited to what that
# service reads; the External Secrets controller, which copies secrets into
# Kubernetes for all of them, may read all of them.

locals {
  # Every link-sealing key, to both ends: the users service seals with them
  # and the worker opens with them. Taken from the secrets module, so a key
  # added there for a rotation is readable by both at once.
  link_sealing_keys = module.secrets.link_sealing_key_names

  secrets_read_by = {
    gateway = ["shared/redis-url"]
    users   = concat(["users/database-url", "users/read-replica-urls", "users/link-secret", "users/signing-key", "shared/redis-url", "shared/amqp-url"], local.link_sealing_keys)
    worker  = concat(["worker/database-url", "worker/smtp-username", "worker/smtp-password", "shared/amqp-url"], local.link_sealing_keys)
  }
}

module "service_roles" {
  source            = "../irsa"
  for_each          = local.secrets_read_by
  name              = "${var.name}-${each.key}"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = var.kubernetes_namespace
  service_account   = var.service_accounts[each.key]
  secret_arns       = [for secret in each.value : module.secrets.arns[secret]]
  kms_key_arn       = module.kms.data_key_arn
  tags              = var.tags
}

module "external_secrets_role" {
  source            = "../irsa"
  name              = "${var.name}-external-secrets"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = var.external_secrets_service_account.namespace
  service_account   = var.external_secrets_service_account.name
  secret_arns       = values(module.secrets.arns)
  kms_key_arn       = module.kms.data_key_arn
  tags              = var.tags
}
# ANCHOR_END: identities
