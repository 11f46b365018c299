"""eks-sg-rule: an AWS Config custom rule for the Amazon EKS security-group requirements.

The version is pyproject.toml's (version.tool_version reads it from the source tree, else the installed metadata).
"""
