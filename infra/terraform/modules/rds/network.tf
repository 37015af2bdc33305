# Where the database sits and who may reach it.

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

# ANCHOR: security_group
# Only members of the allowed groups (the EKS nodes, hence the pods) can open
# a connection, and only to 5432. No egress rules: a database answers
# connections, it never starts any.
resource "aws_security_group" "this" {
  name        = "${var.name}-postgres"
  description = "PostgreSQL: connections from the EKS nodes only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-postgres" })
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  for_each                     = toset(var.allowed_security_group_ids)
  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from ${each.value}"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}
# ANCHOR_END: security_group
