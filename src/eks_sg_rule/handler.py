"""Lambda entry point: validate the Config event, run the rule through rdklib, surface every failure.

rdklib's Evaluator turns AWS errors into a returned dict; here such a result, an unusable event
or a failed AWS read fails the invocation with a structured log line, so AWS Config shows the
rule in error instead of a silent success.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from rdklib import Evaluator

from .aws.calls import DiscoveryError
from .aws.clients import retry_environment
from .config_results import EvaluationsNotRecorded
from .events import RuleInputError, prepare_event
from .parameters import InvalidParametersError
from .rule import APPLICABLE_RESOURCES, EksSecurityGroupRule, SweepIncomplete
from .waivers import WaiverError

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "eks-sg-rule"))


class RuleEvaluationError(Exception):
    """The invocation could not evaluate and report; the message says what failed."""


def _failed(result: dict[str, Any]) -> str:
    message = result.get("customerErrorMessage") or result.get("internalErrorMessage") or "unknown error"
    code = result.get("customerErrorCode")
    return f"{code}: {message}" if code else str(message)


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    retry_environment()  # rdklib builds its clients with plain boto3.client()
    try:
        prepared, summary = prepare_event(event)
    except (RuleInputError, InvalidParametersError) as error:
        rule_name = event.get("configRuleName") if isinstance(event, dict) else None
        extra = {"reason": str(error), "error_type": type(error).__name__, "config_rule": str(rule_name)}
        logger.error("event rejected", extra=extra)
        raise RuleEvaluationError(f"event rejected: {error}") from None
    logger.append_keys(**summary.log_keys())

    rule = EksSecurityGroupRule(context)
    try:
        # Every item status reaches the rule, which handles each (rule.evaluate_change).
        result = Evaluator(rule, APPLICABLE_RESOURCES, is_applicable_status=True).handle(prepared, context)
    except InvalidParametersError as error:  # rule.get_execution_role_arn: no ARN can be built
        extra = {
            "reason": str(error),
            "error_type": type(error).__name__,
            "config_rule": str(event.get("configRuleName")),
        }
        logger.error("event rejected", extra=extra)
        raise RuleEvaluationError(f"event rejected: {error}") from None
    except DiscoveryError as error:
        extra = {"iam_action": error.action, "error_code": error.code}
        if error.access_denied:
            logger.error(f"access denied: the function's role needs {error.action}", extra=extra)
        else:
            logger.error(f"AWS read failed: {error}", extra=extra)
        raise RuleEvaluationError(str(error)) from None
    except WaiverError as error:  # the WaiversParameterName document (waiver_source.py): nothing written
        logger.error("waiver document rejected, nothing reported to AWS Config", extra={"reason": str(error)})
        raise RuleEvaluationError(f"waiver document rejected: {error}") from None
    except (SweepIncomplete, EvaluationsNotRecorded) as error:
        keys = {"evaluations_written": rule.written, "error_type": type(error).__name__, **_unstored(rule)}
        logger.error(str(error), extra=keys)
        raise RuleEvaluationError(str(error)) from None

    if not isinstance(result, list):
        details = result if isinstance(result, dict) else {"result": repr(result)}
        logger.error("evaluation failed, nothing reported to AWS Config", extra={"rdklib_error": details})
        raise RuleEvaluationError(_failed(details) if isinstance(result, dict) else repr(result))

    # rdklib's own list holds what it wrote itself (NOT_APPLICABLE for an item of a type outside the rule).
    written = rule.written + len(result)
    if rule.without_stored_result is not None:
        logger.info("evaluations written without a stored result", extra=_unstored(rule))
    logger.info("evaluations reported", extra={"evaluations_written": written})
    return {"evaluations_written": written}


def _unstored(rule: EksSecurityGroupRule) -> dict[str, object]:
    """Log keys: what a changes-only run wrote only because Config returned no result for it.

    A count that stays high run after run means Config does not hand those results back (and they
    are rewritten every run); empty when the run did not compare with Config's results.
    """
    counts = rule.without_stored_result
    if counts is None:
        return {}
    return {"written_without_stored_result": sum(counts.values()), "without_stored_result_by_type": counts}
