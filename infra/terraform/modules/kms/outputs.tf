output "data_key_arn" {
  description = "ARN of the key for data at rest and secrets."
  value       = aws_kms_key.data.arn
}

output "logs_key_arn" {
  description = "ARN of the key for CloudWatch log groups."
  value       = aws_kms_key.logs.arn
}
