#!/usr/bin/env python3
"""Refreshes core/data/prices.txt from LiteLLM's MIT-licensed price table.

Usage: python3 core/data/refresh_prices.py [path/to/litellm-*.whl | path/to/model_prices.json]
Without an argument it downloads the newest `litellm` wheel from PyPI with pip.

The table is compacted to the providers llmtel instruments, with prices in USD per million tokens,
one model a line: `name input output cache_read cache_write reasoning`, `-` where LiteLLM has no
separate price, trailing `-`s left out. Plain lines, not JSON: the wasm core carries the table
and its reader, and a page downloads both (genai/cost.rs reads it). Names are normalised the way
the core normalises model names at lookup (see genai/cost.rs).
"""

import datetime
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
PROVIDERS = {
    # LiteLLM provider -> our rank when two providers list the same normalised name (lower wins)
    "openai": 0,
    "anthropic": 0,
    "gemini": 0,
    "text-completion-openai": 1,
    "azure": 2,
    "vertex_ai-language-models": 1,
    "vertex_ai-anthropic_models": 1,
    "vertex_ai-embedding-models": 1,
    "bedrock": 3,
    "bedrock_converse": 3,
}
MODES = {"chat", "completion", "responses", "embedding"}
PREFIXES = ("openai/", "azure/", "azure_ai/", "anthropic/", "gemini/", "vertex_ai/", "bedrock/", "models/")
REGION = re.compile(r"^(us|eu|apac|global|us-gov|jp|au)\.")


def normalise(name: str) -> str:
    """Mirror of `normalise_model` in core/src/genai/cost.rs; keep the two in step."""
    name = name.strip().lower()
    changed = True
    while changed:
        changed = False
        for prefix in PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
                changed = True
    name = REGION.sub("", name)
    if name.startswith("anthropic."):
        name = name[len("anthropic."):]
    name = re.sub(r"-v\d+(:\d+)?$", "", name)
    name = re.sub(r":\d+$", "", name)
    return name


def number(value) -> str:
    """`-` for none; `2` for 2.0 (a repr is exact and short: Python writes the shortest text that
    reads back as the same double, as Rust does)."""
    if value is None:
        return "-"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def per_million(value):
    return None if value is None else round(float(value) * 1e6, 6)


def load(source: pathlib.Path):
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            data = json.loads(wheel.read("litellm/model_prices_and_context_window_backup.json"))
            licence = next(n for n in wheel.namelist() if n.endswith("licenses/LICENSE"))
            version = re.search(r"litellm-([\d.]+)", source.name).group(1)
            return data, wheel.read(licence).decode(), f"litellm {version} (PyPI wheel)"
    return json.loads(source.read_text()), None, source.name


def main():
    if len(sys.argv) > 1:
        source = pathlib.Path(sys.argv[1])
    else:
        tmp = pathlib.Path(tempfile.mkdtemp())
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, "litellm"], check=True)
        source = next(tmp.glob("litellm-*.whl"))
    data, licence, origin = load(source)
    chosen = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or entry.get("mode") not in MODES:
            continue
        rank = PROVIDERS.get(entry.get("litellm_provider"))
        if rank is None or entry.get("input_cost_per_token") is None:
            continue
        key = normalise(name)
        if not key or any(c.isspace() for c in key) or key.startswith("#"):
            print(f"left out: {name!r} (a name in prices.txt is one word)", file=sys.stderr)
            continue
        price = [
            per_million(entry.get("input_cost_per_token")),
            per_million(entry.get("output_cost_per_token", 0.0)),
            per_million(entry.get("cache_read_input_token_cost")),
            per_million(entry.get("cache_creation_input_token_cost")),
            per_million(entry.get("output_cost_per_reasoning_token")),
        ]
        if key not in chosen or rank < chosen[key][0]:
            chosen[key] = (rank, price)
    lines = [
        "# USD per million tokens: model input output cache_read cache_write reasoning",
        "# (`-` for none; trailing ones left out). Written by refresh_prices.py.",
        "# licence: MIT, see LICENSE-litellm",
        f"# source: {origin}",
        f"# taken: {datetime.date.today().isoformat()}",
    ]
    for name, (_, price) in sorted(chosen.items()):
        while price and price[-1] is None:
            price = price[:-1]
        lines.append(" ".join([name] + [number(p) for p in price]))
    (HERE / "prices.txt").write_text("\n".join(lines) + "\n")
    if licence:
        (HERE / "LICENSE-litellm").write_text(licence)
    print(f"{len(chosen)} models from {origin}")


if __name__ == "__main__":
    main()
