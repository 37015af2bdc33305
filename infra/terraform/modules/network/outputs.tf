output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "Address range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Zones the subnets are in, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets, one per zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets, one per zone: nodes and pods."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidrs" {
  description = "Ranges of the private subnets, one /20 per zone: every node's and every pod's address (VPC CNI) is in one of them."
  value       = aws_subnet.private[*].cidr_block
}

output "data_subnet_ids" {
  description = "Data subnets, one per zone: RDS, ElastiCache, Amazon MQ."
  value       = aws_subnet.data[*].id
}

output "data_subnets_cidr" {
  description = "One range covering every data subnet: the egress NetworkPolicy's ipBlock in the prod overlay."
  value       = local.data_cidr_block
}

output "nat_public_ips" {
  description = "Addresses outbound traffic from the private subnets comes from (to allowlist at third parties, e.g. an SMTP relay)."
  value       = aws_eip.nat[*].public_ip
}
