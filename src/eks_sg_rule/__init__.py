"""eks-sg-rule: an AWS Config custom rule for the Amazon EKS security-group requirements."""

__version__ = "0.1.0"
