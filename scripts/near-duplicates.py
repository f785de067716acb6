#!/usr/bin/env python3
"""Builds the near-duplicate evaluation set and measures the duplicate gate on it.

Articles are written by a real model (llama-server with SmolLM2-135M-Instruct, see
scripts/real-model), laid out as round 6 embeds them (title, thesis, then each heading and
body). For each seed:

- article A and article B: two distinct articles on the same seed (other headings, another
  temperature): the hard negatives, which the gate must let through;
- from A, three near-duplicates it must catch: 7-19 % of the words edited (deleted, replaced
  or swapped), a rewritten introduction (the first section written anew), and the sections
  in another order;
- A against the next seed's A: an easy negative.

The set is written as JSON lines, then `presswork-bench near-duplicates` embeds every pair
through Presswork's own embedding client, chunked and pooled as round 6 does and as one input,
and prints precision and recall at the default threshold.

    python3 scripts/near-duplicates.py --llm http://127.0.0.1:18080/v1 \\
        --embeddings http://127.0.0.1:18081/v1 [--seeds 15] [--out FILE]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import urllib.request

SEEDS = ["home espresso", "urban cycling", "sourdough baking", "balcony gardening", "trail running",
         "budget travel in Portugal", "learning the piano as an adult", "houseplant care", "home office ergonomics",
         "beginner birdwatching", "cold water swimming", "backyard composting", "watercolor painting", "bouldering",
         "fermenting vegetables", "night photography", "minimalist wardrobes", "rescue dog training"]

HEADINGS_A = ["Why {s} is worth your time", "Getting started with {s}", "Common mistakes in {s}",
              "Tools and costs of {s}", "Where to go next with {s}"]
HEADINGS_B = ["A short history of {s}", "What experts disagree on about {s}", "A week of {s}",
              "Saving money on {s}", "Stories from people new to {s}"]


def chat(url, prompt, temperature, max_tokens=220):
    body = json.dumps({
        "model": "smollm2", "temperature": temperature, "max_tokens": max_tokens,
        "messages": [{"role": "system", "content": "You write clear, plain English prose for a blog."},
                     {"role": "user", "content": prompt}],
    }).encode()
    request = urllib.request.Request(url.rstrip("/") + "/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as reply:
        text = json.load(reply)["choices"][0]["message"]["content"]
    return " ".join(text.split())


def section(url, seed, heading, temperature):
    return chat(url, f"Write one paragraph of about 120 words for a blog post about {seed}, "
                     f"under the heading \"{heading}\". Only the paragraph, no heading, no list.", temperature)


def article(url, seed, headings, temperature):
    title = headings[0].format(s=seed).title()
    thesis = chat(url, f"In one sentence, what should a beginner know about {seed}?", temperature, 60)
    sections = [(h.format(s=seed), section(url, seed, h.format(s=seed), temperature)) for h in headings]
    return {"title": title, "thesis": thesis, "sections": sections}


def text(a):
    parts = [a["title"], a["thesis"]]
    for heading, body in a["sections"]:
        parts += [heading, body]
    return "\n\n".join(parts)


def edited(a, rng):
    """7-19 % of the body words deleted, replaced by another word of the article, or swapped."""
    share = rng.uniform(0.07, 0.19)
    vocabulary = " ".join(body for _, body in a["sections"]).split()
    sections = []
    for heading, body in a["sections"]:
        words = body.split()
        for _ in range(int(len(words) * share)):
            if len(words) < 3:
                break
            i = rng.randrange(len(words) - 1)
            action = rng.choice(["delete", "replace", "swap"])
            if action == "delete":
                del words[i]
            elif action == "replace":
                words[i] = rng.choice(vocabulary)
            else:
                words[i], words[i + 1] = words[i + 1], words[i]
        sections.append((heading, " ".join(words)))
    return dict(a, sections=sections), share


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm", required=True)
    parser.add_argument("--embeddings", required=True)
    parser.add_argument("--seeds", type=int, default=15)
    parser.add_argument("--out", default=os.path.expanduser("~/.cache/presswork-real-model/near-duplicates.jsonl"))
    parser.add_argument("--reuse", action="store_true", help="measure an existing --out file, write nothing")
    parser.add_argument("--bench", help="a presswork-bench binary (default: swift run -c release presswork-bench)")
    args = parser.parse_args()
    rng = random.Random(20261202)
    if not args.reuse:
        pairs, firsts = [], []
        for seed in SEEDS[:args.seeds]:
            print(f"writing two articles on {seed!r}", file=sys.stderr)
            a = article(args.llm, seed, HEADINGS_A, 0.7)
            b = article(args.llm, seed, HEADINGS_B, 1.0)
            firsts.append(a)
            e, share = edited(a, rng)
            pairs.append({"a": text(a), "b": text(e), "duplicate": True, "kind": "edited words"})
            new_intro = dict(a, sections=[(a["sections"][0][0], section(args.llm, seed, a["sections"][0][0], 1.1))]
                             + a["sections"][1:])
            pairs.append({"a": text(a), "b": text(new_intro), "duplicate": True, "kind": "rewritten introduction"})
            order = a["sections"][:]
            while order == a["sections"]:
                rng.shuffle(order)
            pairs.append({"a": text(a), "b": text(dict(a, sections=order)), "duplicate": True, "kind": "reordered sections"})
            pairs.append({"a": text(a), "b": text(b), "duplicate": False, "kind": "distinct, same seed"})
        for i, a in enumerate(firsts):
            other = firsts[(i + 1) % len(firsts)]
            pairs.append({"a": text(a), "b": text(other), "duplicate": False, "kind": "distinct, other seed"})
        with open(args.out, "w") as out:
            for pair in pairs:
                out.write(json.dumps(pair) + "\n")
        print(f"wrote {len(pairs)} pairs to {args.out}", file=sys.stderr)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bench = [args.bench] if args.bench else ["swift", "run", "-c", "release", "presswork-bench"]
    subprocess.run(bench + ["near-duplicates", "--set", args.out, "--base-url", args.embeddings], cwd=repo, check=True)


if __name__ == "__main__":
    main()
