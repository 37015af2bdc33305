# The VPC, in three tiers per zone:
# - public: only what must face the internet (NAT gateways, internet-facing
#   load balancers);
# - private: EKS nodes and pods, which reach out through a NAT gateway;
# - data: RDS, ElastiCache and Amazon MQ, with no route out of the VPC at
#   all, and one address range (10.0.64.0/20) that a Kubernetes
#   NetworkPolicy can name as "the data stores".

# The zones are named, not "the first N available": a zone that is briefly
# impaired, or a new one AWS adds, must not reshuffle the subnets (Terraform
# would destroy and recreate everything in them). Looking them up still
# checks that every named zone exists in this region.
data "aws_availability_zones" "named" {
  filter {
    name   = "zone-name"
    values = var.availability_zones
  }
}

locals {
  azs           = var.availability_zones
  az_count      = length(local.azs)
  missing_zones = setsubtract(local.azs, data.aws_availability_zones.named.names)
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr_block
  # Both are needed for private DNS names: RDS, ElastiCache and MQ endpoints
  # are host names that must resolve inside the VPC.
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })

  lifecycle {
    # Stop at plan time, naming the culprit, if a zone is misspelled or in
    # another region.
    precondition {
      condition     = length(local.missing_zones) == 0
      error_message = "Unknown availability zones in this region: ${join(", ", local.missing_zones)}."
    }
  }
}

# AWS creates a default security group in every VPC that lets its members
# talk to each other freely. Taking it over with no rules empties it, so
# nothing can rely on it by accident: every resource here gets its own group.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-default-unused" })
}

# ANCHOR: subnets
# Public: a small /24 per zone (10.0.0.0/24, 10.0.1.0/24...).
resource "aws_subnet" "public" {
  count             = local.az_count
  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr_block, 8, count.index)
  # Nothing launched here needs a public address of its own: NAT gateways
  # get an Elastic IP, load balancers get theirs from AWS.
  map_public_ip_on_launch = false
  tags = merge(var.tags, {
    Name                                        = "${var.name}-public-${local.azs[count.index]}"
    "kubernetes.io/role/elb"                    = "1" # internet-facing load balancers go here
    "kubernetes.io/cluster/${var.cluster_name}" = "shared"
  })
}

# Private: a /20 per zone (10.0.16.0/20, 10.0.32.0/20...), 4091 addresses
# each, because the VPC CNI gives every pod a real VPC address.
resource "aws_subnet" "private" {
  count             = local.az_count
  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr_block, 4, count.index + 1)
  tags = merge(var.tags, {
    Name                                        = "${var.name}-private-${local.azs[count.index]}"
    "kubernetes.io/role/internal-elb"           = "1" # internal load balancers go here
    "kubernetes.io/cluster/${var.cluster_name}" = "shared"
  })
}

# Data: a /24 per zone (10.0.64.0/24, 10.0.65.0/24...), all inside one /20
# (10.0.64.0/20, the fifth /20 of the VPC) so that one CIDR covers them.
locals {
  data_cidr_block = cidrsubnet(var.cidr_block, 4, 4)
}

resource "aws_subnet" "data" {
  count             = local.az_count
  vpc_id            = aws_vpc.this.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(local.data_cidr_block, 4, count.index)
  tags              = merge(var.tags, { Name = "${var.name}-data-${local.azs[count.index]}" })
}
# ANCHOR_END: subnets
