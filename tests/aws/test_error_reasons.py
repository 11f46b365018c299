"""What a failed call says when the endpoint is no AWS endpoint (issue 18, item 7): a 404 with an
empty body gave an empty reason, an HTML error page went into the rule's log whole. Real botocore
parsing against a local server (127.0.0.1 only) answering as a wrong `--endpoint-url` or a proxy
would: botocore gives the EKS (JSON) error `Code` "404" with the body as `Message`, and for EC2 (XML)
`Unknown` with no message, or a ResponseParserError for an empty body."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from eks_sg_rule.aws.calls import REASON_MAX, DiscoveryError, pages_of, plain_text, reason
from eks_sg_rule.aws.reads import cluster_names
from eks_sg_rule.report.errors import describe_error

PAGE = (
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title><style>body{color:red}</style></head>\n"
    "<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n"
)


def _server(body: str) -> Iterator[str]:
    class Answer(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            data = body.encode()
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def empty_404() -> Iterator[str]:
    yield from _server("")


@pytest.fixture
def html_404() -> Iterator[str]:
    yield from _server(PAGE)


def _client(service: str, endpoint: str) -> object:
    return boto3.client(
        service, region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="t", aws_secret_access_key="t"
    )


def test_an_empty_404_names_the_status_and_the_endpoint(empty_404: str) -> None:
    with pytest.raises(DiscoveryError) as raised:
        cluster_names(_client("eks", empty_404))
    text = str(raised.value)
    assert text == (
        "eks:ListClusters failed: HTTP 404: the endpoint answered with an empty body, not an AWS response: "
        f"HTTP 404 from {empty_404}"
    )
    with pytest.raises(DiscoveryError) as ec2:  # EC2's XML parser cannot read an empty body
        list(pages_of("ec2", _client("ec2", empty_404), "describe_vpcs"))
    assert str(ec2.value) == (
        "ec2:DescribeVpcs failed: unparsable response: the endpoint answered with a body that is not an AWS "
        f"response: from {empty_404}"
    )


def test_an_html_page_is_one_line_of_text_without_markup(html_404: str) -> None:
    for service, operation in (("eks", "list_clusters"), ("ec2", "describe_vpcs")):
        with pytest.raises(DiscoveryError) as raised:
            list(pages_of(service, _client(service, html_404), operation))
        text = str(raised.value)
        assert "\n" not in text and "<" not in text and len(text) < 2 * REASON_MAX
        assert f"HTTP 404 from {html_404}" in text
        if service == "eks":  # EKS's parser hands the page over: its title names it
            assert "the endpoint answered with an HTML page (404 Not Found), not an AWS response" in text


def test_the_cli_line_for_a_client_error_of_a_non_aws_answer(empty_404: str) -> None:
    with pytest.raises(ClientError) as raised:
        _client("eks", empty_404).list_clusters()  # type: ignore[attr-defined]
    line = describe_error(raised.value, empty_404)
    assert line == (
        "ListClusters failed: HTTP 404: the endpoint answered with an empty body, not an AWS response: "
        f"HTTP 404 from {empty_404}"
    )


def test_reasons_keep_aws_errors_and_cut_long_bodies() -> None:
    assert reason("AccessDeniedException", "not\n allowed", 400, None) == ("AccessDeniedException", "not allowed")
    code, message = reason("Unknown", "Unknown", 403, None)
    assert (code, message) == (
        "HTTP 403",
        "the endpoint answered with an empty body, not an AWS response: HTTP 403 from the AWS endpoint",
    )
    code, message = reason("502", "bad gateway upstream", 502, "http://x")
    assert message == "the endpoint answered with no AWS error (bad gateway upstream): HTTP 502 from http://x"
    assert reason("", "", None, None) == (
        "Unknown",
        "the endpoint answered with an empty body, not an AWS response: an error from the AWS endpoint",
    )
    untitled = "<html><body>" + "word " * 100 + "</body></html>"
    _, message = reason("404", untitled, 404, None)
    assert message.startswith("the endpoint answered with an HTML page (word word")
    assert "<" not in message
    assert plain_text("<p>a &amp; b</p><!-- c --><script>d()</script>") == "a & b"
    assert len(plain_text("x " * 300)) == REASON_MAX
    assert plain_text("x " * 300).endswith("…")


def test_the_cli_line_for_an_answer_botocore_cannot_parse() -> None:
    from botocore.parsers import ResponseParserError

    error = ResponseParserError("Unable to parse response (no element found), invalid XML received:\nb''")
    assert describe_error(error, "http://127.0.0.1:9") == (
        "the endpoint http://127.0.0.1:9 answered with a body that is not an AWS response"
    )
    assert describe_error(error, None) == "the endpoint of AWS answered with a body that is not an AWS response"
