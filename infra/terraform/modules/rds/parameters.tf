# ANCHOR: parameters
# Server settings. The default parameter group cannot be changed, so every
# real deployment has its own. All of these are dynamic: they apply without
# a restart.
resource "aws_db_parameter_group" "this" {
  name   = "${var.name}-postgres${var.engine_version}"
  family = "postgres${var.engine_version}"
  tags   = var.tags

  # Refuse connections that do not use TLS: the password and every row would
  # otherwise cross the network in clear text.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Log statements slower than this: the first place to look when latency
  # goes up. Logged with their parameters, so keep the threshold high enough
  # that ordinary queries (which may carry personal data) stay out.
  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.slow_query_ms)
  }

  # Schema changes (CREATE, ALTER, DROP) are rare and worth a record.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  # A statement that waited longer than deadlock_timeout (1 s) for a lock:
  # the sign of two transactions fighting over the same rows.
  parameter {
    name  = "log_lock_waits"
    value = "1"
  }

  # Who connected and for how long: the audit trail of database access.
  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  lifecycle {
    # A new major version needs a new group; create it before the old one
    # is destroyed, so the instance always has one.
    create_before_destroy = true
  }
}
# ANCHOR_END: parameters
