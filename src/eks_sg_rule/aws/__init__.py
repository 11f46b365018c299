"""Everything that talks to AWS: calls (errors naming the IAM action, paging, filter-value chunking),
reads (one function per EKS/EC2 read), shapes (API and configuration-item records parsed), writes
(the remediation's EC2 writes). The pure modules never import this package."""
