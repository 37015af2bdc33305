output "repository_urls" {
  description = "Repository URL by name (<account>.dkr.ecr.<region>.amazonaws.com/<name>): the image name in the Kustomize overlay."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.repository_url }
}

output "repository_arns" {
  description = "Repository ARN by name, for a CD role's push permission."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.arn }
}
