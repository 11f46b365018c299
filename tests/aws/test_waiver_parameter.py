"""The rule's waiver read (waiver_source.rule_waived, aws.reads.parameter_value) against responses
shaped like published real SSM outputs, served by botocore's Stubber (validated against the SSM model).

Sources, in our words:
- A published `aws ssm get-parameter --name /This/is/Key` output (a 2018 gist): {"Parameter": {"Name",
  "LastModifiedDate", "Value", "Version": 1, "Type": "String", "ARN":
  "arn:aws:ssm:us-east-1:<account>:parameter/This/is/Key"}}: the ARN of a hierarchical name does not
  repeat its leading slash (template.yaml's ReadWaivers resource relies on it).
- awslabs/aws-simple-cicd issue #10 and aws-solutions/aws-control-tower-customizations PR #68: a
  missing parameter is `An error occurred (ParameterNotFound) when calling the GetParameter operation:`
  with an empty message, which names no parameter: the error raised here names it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from eks_sg_rule.aws.calls import DiscoveryError
from eks_sg_rule.evaluate import CLUSTER_TYPE, ResourceEvaluation
from eks_sg_rule.results import CheckResult, Finding, Status
from eks_sg_rule.waiver_source import rule_waived
from eks_sg_rule.waivers import WaiverError

NAME = "/eks-sg-rule/waivers"
LATER = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
FAILING = ResourceEvaluation(
    CLUSTER_TYPE,
    "prod",
    Status.NON_COMPLIANT,
    "TAG_OWNED: no SG tagged",
    (CheckResult("TAG_OWNED", Status.NON_COMPLIANT, "no SG tagged", (Finding("sg-1", "no SG tagged"),)),),
)


def stubbed() -> tuple[object, Stubber]:
    client = boto3.client("ssm", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_the_value_of_a_string_parameter_is_the_document() -> None:
    client, stub = stubbed()
    value = f"- {{check: TAG_OWNED, resource: prod, reason: another pipeline tags, expires: {LATER}}}\n"
    stub.add_response(
        "get_parameter",
        {
            "Parameter": {
                "Name": NAME,
                "LastModifiedDate": datetime(2018, 8, 27, 9, 29, 8, tzinfo=UTC),
                "Value": value,
                "Version": 1,
                "Type": "String",
                "ARN": "arn:aws:ssm:us-east-1:111122223333:parameter/eks-sg-rule/waivers",
            }
        },
        {"Name": NAME, "WithDecryption": False},
    )
    with stub:
        [after] = rule_waived([FAILING], NAME, client)
    stub.assert_no_pending_responses()
    assert (after.compliance_type, after.annotation) == (
        Status.COMPLIANT,
        f"TAG_OWNED waived until {LATER}: another pipeline tags",
    )


def test_a_missing_parameter_is_an_error_naming_it() -> None:
    client, stub = stubbed()
    stub.add_client_error("get_parameter", service_error_code="ParameterNotFound", service_message="")
    with stub, pytest.raises(DiscoveryError) as raised:
        rule_waived([FAILING], NAME, client)
    assert (raised.value.action, raised.value.code) == ("ssm:GetParameter", "ParameterNotFound")
    assert str(raised.value) == f"ssm:GetParameter failed: ParameterNotFound: parameter {NAME}"


def test_access_denied_keeps_its_message_and_an_encrypted_value_is_an_invalid_document() -> None:
    client, stub = stubbed()
    stub.add_client_error("get_parameter", service_error_code="AccessDeniedException", service_message="not allowed")
    with stub, pytest.raises(DiscoveryError) as raised:
        rule_waived([FAILING], NAME, client)
    assert raised.value.access_denied and str(raised.value).endswith(f"parameter {NAME}: not allowed")
    # A SecureString read without decryption is its ciphertext: never taken for "no waivers".
    client, stub = stubbed()
    stub.add_response("get_parameter", {"Parameter": {"Name": NAME, "Type": "SecureString", "Value": "AQICAHh4=="}})
    with stub, pytest.raises(WaiverError, match=f"SSM parameter {NAME}: expected a list of waivers"):
        rule_waived([FAILING], NAME, client)


def test_without_a_parameter_name_nothing_is_read() -> None:
    assert rule_waived([FAILING], None) == [FAILING]
