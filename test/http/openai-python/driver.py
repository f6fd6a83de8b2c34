"""Drives the official openai Python client for test/http/retry-storms-python.test.ts.

Reads one JSON command per line on stdin, answers one JSON line on stdout. The client runs at its
defaults (max_retries=2: it retries 408/409/429/5xx unless the response says x-should-retry: false)
unless a command sets max_retries.
"""

import json
import sys

import openai

BASE_URL = sys.argv[1]


def headers_of(response):
    keep = ("x-should-retry", "retry-after", "retry-after-ms", "x-model-router-group")
    return {k: response.headers.get(k) for k in keep if response.headers.get(k) is not None}


def run(cmd):
    client = openai.OpenAI(
        api_key="client-key",
        base_url=BASE_URL,
        **({"max_retries": cmd["max_retries"]} if "max_retries" in cmd else {}),
    )
    messages = cmd.get("messages", [{"role": "user", "content": "hi"}])
    try:
        if cmd.get("stream"):
            text, model = "", None
            for chunk in client.chat.completions.create(model=cmd["model"], messages=messages, stream=True):
                model = chunk.model
                if chunk.choices and chunk.choices[0].delta.content:
                    text += chunk.choices[0].delta.content
            return {"ok": True, "model": model, "text": text}
        reply = client.chat.completions.create(model=cmd["model"], messages=messages)
        return {"ok": True, "model": reply.model, "text": reply.choices[0].message.content}
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {
            "ok": False,
            "class": type(e).__name__,
            "status": e.status_code,
            "code": body.get("code"),
            "headers": headers_of(e.response),
        }
    except openai.APIError as e:
        return {"ok": False, "class": type(e).__name__, "message": str(e)}


print(json.dumps({"ready": openai.__version__}), flush=True)
for line in sys.stdin:
    if line.strip():
        print(json.dumps(run(json.loads(line))), flush=True)
