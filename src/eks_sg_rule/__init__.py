"""eks-sg-rule: an AWS Config custom rule for the Amazon EKS security-group requirements.

The version is pyproject.toml's, read with importlib.metadata (cli.tool_version).
"""
