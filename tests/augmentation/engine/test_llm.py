"""LLM generation against a local stub of an OpenAI-compatible server (never a real service)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from augmentation.engine import (
    LLMClient,
    LLMConnectionError,
    LLMHTTPError,
    LLMResponseError,
    LLMTimeoutError,
    Pipeline,
    Resources,
    TextSample,
    generate_texts,
    paraphrase,
)


class Stub:
    """What the fake endpoint answers next, and what it was asked."""

    def __init__(self) -> None:
        self.status = 200
        self.content: str = "[]"
        self.raw_body: str | None = None
        self.delay = 0.0
        self.requests: list[dict] = []
        self.headers: list[dict] = []


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.requests.append({"path": self.path, **json.loads(self.rfile.read(length))})
            state.headers.append(dict(self.headers))
            time.sleep(state.delay)
            body = (
                state.raw_body
                if state.raw_body is not None
                else json.dumps({"choices": [{"message": {"role": "assistant", "content": state.content}}]})
            )
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (the timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def client(base_url: str, **kwargs) -> LLMClient:
    return LLMClient(base_url=base_url, model="stub-model", api_key="secret-key", **kwargs)


def test_generation_sends_class_and_examples_and_returns_validated_unique_texts(stub):
    state, url = stub
    state.content = json.dumps(
        ["Refund my order please", "refund my order  PLEASE", "The parcel never came", "My order arrived late", 7, "x"]
    )
    result = generate_texts(
        client(url), label="complaint", examples=["My order arrived late"], n=5, rng=np.random.default_rng(1)
    )
    assert [sample.text for sample in result.samples] == ["Refund my order please", "The parcel never came"]
    assert all(sample.label == "complaint" for sample in result.samples)
    assert [reason for _, reason in result.rejected] == [
        "duplicate of an example, the input or another output",
        "duplicate of an example, the input or another output",
        "not a string",
        "length 1 outside 3-2000",
    ]
    request = state.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["model"] == "stub-model"
    assert (
        "complaint" in request["messages"][1]["content"]
        and "My order arrived late" in request["messages"][1]["content"]
    )
    assert state.headers[0]["Authorization"] == "Bearer secret-key"
    assert isinstance(request["seed"], int)


def test_the_same_generator_seed_sends_the_same_request_seed(stub):
    state, url = stub
    for _ in range(2):
        generate_texts(client(url), label="a", examples=[], n=1, rng=np.random.default_rng(5))
    assert state.requests[0]["seed"] == state.requests[1]["seed"]


def test_paraphrases_keep_spans_on_their_words_and_reject_outputs_that_lose_them(stub):
    state, url = stub
    state.content = (
        "```json\n"
        + json.dumps(["Yesterday Ana Ruiz flew to Lima.", "Ana flew to Lima yesterday.", "Ana Ruiz went to Lima."])
        + "\n```"
    )
    sample = TextSample.create(
        "Ana Ruiz travelled to Lima yesterday.", label="travel", spans=[(0, 8, "PER"), (22, 26, "LOC")]
    )
    result = paraphrase(client(url), sample, n=3, rng=np.random.default_rng(0))
    assert [s.span_texts() for s in result.samples] == [[("Ana Ruiz", "PER"), ("Lima", "LOC")]] * 2
    assert result.samples[0].text == "Yesterday Ana Ruiz flew to Lima." and result.samples[0].label == "travel"
    assert result.rejected == [("Ana flew to Lima yesterday.", "a labelled phrase is missing or changed")]
    assert '"Ana Ruiz"' in state.requests[0]["messages"][1]["content"]


def test_llm_paraphrase_step_uses_the_client_from_resources(stub):
    state, url = stub
    state.content = json.dumps(["Ana Ruiz flew to Lima."])
    pipeline = Pipeline.from_config({"steps": [{"type": "LLMParaphrase"}]}, resources=Resources(llm=client(url)))
    out = pipeline(TextSample.create("Ana Ruiz went to Lima.", spans=[(0, 8, "PER")]), rng=np.random.default_rng(0))
    assert out.text == "Ana Ruiz flew to Lima." and out.span_texts() == [("Ana Ruiz", "PER")]


def test_content_that_is_not_a_json_list_raises_a_response_error(stub):
    state, url = stub
    state.content = "Sure! Here are some texts: one, two"
    with pytest.raises(LLMResponseError, match="expected a JSON array of strings"):
        generate_texts(client(url), label="a", examples=[], n=2, rng=np.random.default_rng(0))


def test_a_body_that_is_not_json_raises_a_response_error(stub):
    state, url = stub
    state.raw_body = "<html>gateway</html>"
    with pytest.raises(LLMResponseError, match="invalid JSON"):
        generate_texts(client(url), label="a", examples=[], n=2, rng=np.random.default_rng(0))


def test_a_response_without_choices_raises_a_response_error(stub):
    state, url = stub
    state.raw_body = json.dumps({"error": "overloaded"})
    with pytest.raises(LLMResponseError, match="choices"):
        generate_texts(client(url), label="a", examples=[], n=2, rng=np.random.default_rng(0))


def test_an_http_error_carries_status_and_body(stub):
    state, url = stub
    state.status, state.raw_body = 429, '{"error": "rate limited"}'
    with pytest.raises(LLMHTTPError, match=r"HTTP 429.*rate limited") as raised:
        generate_texts(client(url), label="a", examples=[], n=2, rng=np.random.default_rng(0))
    assert raised.value.status == 429


def test_a_slow_endpoint_raises_a_timeout_error(stub):
    state, url = stub
    state.delay = 1.0
    with pytest.raises(LLMTimeoutError, match=r"did not answer within 0\.2 s"):
        generate_texts(client(url, timeout=0.2), label="a", examples=[], n=2, rng=np.random.default_rng(0))


def test_an_unreachable_endpoint_raises_a_connection_error():
    with pytest.raises(LLMConnectionError):
        generate_texts(
            client("http://127.0.0.1:9/v1", timeout=2), label="a", examples=[], n=1, rng=np.random.default_rng(0)
        )


def test_the_key_never_appears_in_the_client_repr():
    assert "secret-key" not in repr(client("http://127.0.0.1:1/v1"))
