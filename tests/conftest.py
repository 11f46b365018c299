"""Shared fixtures: an emulated AWS account (moto; per test or per module), the seeding builder and its
read-back helpers, a Lambda context, and a PutEvaluations recorder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from demo.config_store import ConfigResultStore, install_result_store
from demo.moto_gaps import fill_moto_gaps
from demo.seed import Seeder
from moto import mock_aws

from eks_sg_rule.discovery import Discovery

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
REGION = "us-east-1"
ACCOUNT = "123456789012"


# EC2 refuses a call whose filters carry more than 200 values in all; moto does not. Published
# instances of the refusal: a convox/rack issue (#2205, `convox instances` on a cluster of more than
# 200 instances) and two gjbae1212/gossm issues (#31, #47, ec2:DescribeInstances), each showing
# status 400, code FilterLimitExceeded and the message below.
FILTER_VALUES_MAX = 200
FILTER_LIMIT_MESSAGE = "The maximum number of filter values specified on a single call is 200"


def refuse_over_200_filter_values(params: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `before-parameter-build.ec2` hook: raise EC2's FilterLimitExceeded, as EC2 would
    answer, for a call whose filter values (all its filters together) exceed 200. It runs for every
    handler of the event, ahead of a Stubber's or moto's answer."""
    values = sum(len(f.get("Values") or ()) for f in params.get("Filters") or ())
    if values > FILTER_VALUES_MAX:
        error = {"Code": "FilterLimitExceeded", "Message": FILTER_LIMIT_MESSAGE}
        raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, model.name)


def enforce_filter_limit(env: pytest.MonkeyPatch) -> None:
    """EC2's 200-filter-value limit on every EC2 call of every botocore session created from here on
    (a built-in handler, as moto registers its own), whether moto or a Stubber answers it."""
    handler = ("before-parameter-build.ec2", refuse_over_200_filter_values)
    env.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, handler])


@pytest.fixture
def ec2_filter_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """`enforce_filter_limit` for one test."""
    enforce_filter_limit(monkeypatch)


def fake_account_environment(env: pytest.MonkeyPatch) -> None:
    """The environment of an emulated account: no profile, endpoint, retry setting or NO_COLOR from the
    developer's shell; fake credentials; one region; Powertools at DEBUG."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "NO_COLOR"):
        env.delenv(name, raising=False)
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env.setenv("AWS_SESSION_TOKEN", "testing")
    env.setenv("AWS_DEFAULT_REGION", REGION)
    env.setenv("AWS_REGION", REGION)
    env.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, ec2_filter_limit: None) -> Iterator[None]:
    """An emulated AWS account: fake credentials, one region, everything served by moto in process
    (its gaps filled, demo.moto_gaps), with EC2's filter-value limit enforced (`ec2_filter_limit`)."""
    fake_account_environment(monkeypatch)
    fill_moto_gaps()
    with mock_aws():
        boto3.setup_default_session()
        yield


@pytest.fixture(scope="module")
def module_aws() -> Iterator[None]:
    """As `aws` (the same environment, gap fills and filter-value limit), once for a whole module: for
    modules whose tests only read one seeded account."""
    with pytest.MonkeyPatch.context() as env:
        enforce_filter_limit(env)
        fake_account_environment(env)
        fill_moto_gaps()
        with mock_aws():
            boto3.setup_default_session()
            yield


@pytest.fixture
def seeder(aws: None) -> Seeder:
    """The seeding builder (demo.seed) on the emulated account's EC2 and EKS clients."""
    return Seeder(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), ACCOUNT, REGION)


def iam_client() -> Any:
    """An IAM client of the emulated account (remediate reads the cluster's IAM role with it)."""
    return boto3.client("iam", region_name=REGION)


def kubelet_gap_cluster(seeder: Seeder) -> tuple[str, str]:
    """c1: managed nodes (AWS-set membership) on their own SG `node`, tagged for c1, which admits only
    itself and which the cluster SG does not admit: the minimum level needs rules between `node` and
    the cluster SG, which the remediation makes automatically. Returns (cluster SG, node SG)."""
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    node = seeder.security_group("node", "node", tags={"kubernetes.io/cluster/c1": "owned"})
    seeder.add_ingress(node, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": node}]})
    seeder.managed_nodegroup("c1", "ng", seeder.launch_template("c1-ng", [node]))
    seeder.managed_instances("c1", "ng", 2, [node])
    return cluster_sg, node


def discover(seeder: Seeder) -> Any:
    """`Discovery.snapshot` over the seeder's clients (call it with `clusters=[...]` or none)."""
    return Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot


def rules_of(seeder: Seeder, sg_id: str) -> list[dict[str, Any]]:
    """An SG's rules as DescribeSecurityGroups returns them: inbound (IpPermissions), then outbound."""
    group = seeder.ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    return [*group["IpPermissions"], *group["IpPermissionsEgress"]]


class _Body:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Any:
        yield self.content


def ec2_error(code: str, status: int) -> AWSResponse:
    """An EC2 (query protocol) error response with this code and HTTP status, for a before-send hook."""
    body = f"<Response><Errors><Error><Code>{code}</Code><Message>{code}</Message></Error></Errors></Response>"
    return AWSResponse("https://ec2", status, {}, _Body(body.encode()))


def json_error(code: str, status: int) -> AWSResponse:
    """An EKS (rest-json protocol) error response with this code and HTTP status, for a before-send hook."""
    return AWSResponse("https://eks", status, {"x-amzn-ErrorType": code}, _Body(json.dumps({"message": code}).encode()))


# The name the tests use: every PutEvaluations the rule sends, read back.
PutEvaluationsRecorder = ConfigResultStore


@pytest.fixture
def put_evaluations(aws: None) -> ConfigResultStore:
    # rdklib and the rule create their clients from boto3's default session: every call passes here.
    return install_result_store(boto3.DEFAULT_SESSION)


@dataclass
class LambdaContext:
    function_name: str = "eks-sg-rule"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:eks-sg-rule"
    aws_request_id: str = "6f0d6f4e-6c1c-4a36-9a1b-0c2a1d9b7e11"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000

    @classmethod
    def invoked(cls, function_name: str, account: str = ACCOUNT, qualifier: str | None = None) -> LambdaContext:
        """The context of an invocation of `function_name` of `account` through `qualifier` (an alias or a
        version; None: the unqualified ARN). Lambda's `invoked_function_arn` is the ARN the caller used,
        with the qualifier it named."""
        arn = f"arn:aws:lambda:{REGION}:{account}:function:{function_name}" + (f":{qualifier}" if qualifier else "")
        return cls(function_name=function_name, invoked_function_arn=arn)


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


class ApiCalls:
    """Every AWS call made through any boto3 client: operation, parameters, and the response."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, dict[str, Any], Any]] = []
        original = BaseClient._make_api_call

        def recording(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            index = len(self.calls)
            self.calls.append((operation, params, {}))  # recorded before the call: a failing one too
            response = original(client, operation, params)
            self.calls[index] = (operation, params, response)
            return response

        monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    def by_operation(self) -> dict[str, int]:
        """Operation name -> how many calls."""
        counts: dict[str, int] = {}
        for name, _, _ in self.calls:
            counts[name] = counts.get(name, 0) + 1
        return counts

    def count(self, operation: str) -> int:
        return sum(1 for name, _, _ in self.calls if name == operation)

    def params(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params, _ in self.calls if name == operation]

    def instances_transferred(self) -> int:
        return sum(
            len(reservation.get("Instances", ()))
            for name, _, response in self.calls
            if name == "DescribeInstances"
            for reservation in response.get("Reservations", ())
        )

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> ApiCalls:
    """Every AWS call any boto3 client makes during the test (whatever session built it)."""
    return ApiCalls(monkeypatch)
