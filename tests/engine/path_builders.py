"""Hand-made network-path results (the shapes DESIGN17's contract gives paths.py), for the plan and the
reports: built here, never judged, so these tests do not depend on the path engine."""

from __future__ import annotations

from eks_sg_rule.network import PortSet
from eks_sg_rule.requirements import Direction, Traffic
from eks_sg_rule.results import CheckResult, Finding, Gap, Status

NACL_MESSAGE = (
    "NACL acl-0a1 (subnet subnet-0n1, nodegroup ng-1) denies inbound TCP 10250 from 10.0.16.0/20 at rule 90: "
    "add an allow rule numbered below 90"
)
NACL_COMMAND = (
    "aws ec2 create-network-acl-entry --network-acl-id acl-0a1 --ingress --rule-number 89 --protocol tcp "
    "--port-range From=10250,To=10250 --cidr-block 10.0.16.0/20 --rule-action allow"
)
ECR_MESSAGE = (
    "no route from subnet subnet-0n1 to ECR: add interface endpoints com.amazonaws.us-east-1.ecr.api and ecr.dkr "
    "and the S3 gateway endpoint, or a NAT gateway"
)
ECR_COMMAND = (
    "aws ec2 create-vpc-endpoint --vpc-id vpc-1 --vpc-endpoint-type Interface "
    "--service-name com.amazonaws.us-east-1.ecr.api --subnet-ids subnet-0n1 --private-dns-enabled"
)
CIDRS_MESSAGE = "publicAccessCidrs of cluster c1 does not include the nodes' NAT address 203.0.113.7"
CIDRS_COMMAND = (
    "aws eks update-cluster-config --name c1 --resources-vpc-config publicAccessCidrs=198.51.100.0/24,203.0.113.7/32"
)


def nacl_failure(check_id: str = "NACL_MINIMUM") -> CheckResult:
    """NACL acl-0a1 drops kubelet traffic into ng-1's subnet; route table rtb-0r1 is on the path too."""
    finding = Finding("", NACL_MESSAGE, component_id="acl-0a1", change=NACL_COMMAND)
    return CheckResult(check_id, Status.NON_COMPLIANT, NACL_MESSAGE, (finding,), components=("acl-0a1", "acl-0cp"))


def api_failures() -> CheckResult:
    """ECR unreachable (no route), the public endpoint's allow-list misses the NAT address."""
    findings = (
        Finding("", ECR_MESSAGE, component_id="rtb-0r1", change=ECR_COMMAND),
        Finding("", CIDRS_MESSAGE, component_id="c1", change=CIDRS_COMMAND),
    )
    detail = f"{ECR_MESSAGE}; {CIDRS_MESSAGE}"
    return CheckResult(
        "NODE_EGRESS_AWS_APIS", Status.NON_COMPLIANT, detail, findings, components=("rtb-0r1", "nat-0g1")
    )


def endpoint_sg_gap(node_sg: str, peer_sg: str, component: str = "vpce-0e1") -> Finding:
    """The node SG lacks egress TCP 443 to an interface endpoint's SG: an SG rule, with its Gap."""
    gap = Gap(Direction.EGRESS, Traffic.TCP, PortSet.of((443, 443)), (peer_sg,))
    message = f"{node_sg} allows no egress TCP 443 to {peer_sg} (VPC endpoint {component}, ecr.api)"
    command = (
        f"aws ec2 authorize-security-group-egress --group-id {node_sg} "
        f"--ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{{GroupId={peer_sg}}}]"
    )
    return Finding(node_sg, message, gap=gap, component_id=component, change=command)


def passing(check_id: str, components: tuple[str, ...] = ("acl-0a1",)) -> CheckResult:
    return CheckResult(check_id, Status.COMPLIANT, "nothing blocks the required paths", components=components)


def cannot_judge(check_id: str = "NODE_EGRESS_AWS_APIS") -> CheckResult:
    detail = "cannot judge: the route from subnet subnet-0n1 to ECR goes through tgw-0t1"
    return CheckResult(check_id, Status.NOT_APPLICABLE, detail, cannot_judge=True)
