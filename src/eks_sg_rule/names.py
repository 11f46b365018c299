"""The AWS identifiers this project reads and writes: one validation rule each, and the role ARN.

Pure (no AWS calls). Each pattern is matched with `fullmatch`:

- `CLUSTER_NAME`: an EKS cluster name (EKS CreateCluster `name`: 1-100 characters, starting with a
  letter or digit, then letters, digits, hyphens and underscores).
- `SECURITY_GROUP_ID`: `sg-` and 8 or 17 hexadecimal digits (EC2 resource ids, short and long form).
- `INSTANCE_ID`: `i-` and 8 or 17 hexadecimal digits.
- `ACCOUNT_ID`: 12 digits.
- `ROLE_NAME`: an IAM role name (IAM CreateRole `RoleName`: 1-64 of letters, digits and `+=,.@_-`).

`CLUSTER_TAG_PREFIX`: the tag key `kubernetes.io/cluster/<cluster name>` without the name (the EKS
user guide's security-group and subnet tag requirements).
"""

from __future__ import annotations

import re

CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"
CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?")
INSTANCE_ID = re.compile(r"i-[0-9a-f]{8}(?:[0-9a-f]{9})?")
ACCOUNT_ID = re.compile(r"[0-9]{12}")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    """`arn:<partition>:iam::<account id>:role/<role name>` (IAM ARN format, no path).

    Raises ValueError when the account id or the role name is not valid (`ACCOUNT_ID`, `ROLE_NAME`).
    """
    if not ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"not an AWS account id: {account_id!r}")
    if not ROLE_NAME.fullmatch(role_name):
        raise ValueError(f"not an IAM role name: {role_name!r}")
    return f"arn:{partition or 'aws'}:iam::{account_id}:role/{role_name}"
