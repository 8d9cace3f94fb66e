"""Assembles ordinary.txt: real text with no secret in it, one sample per line. Run from the
repository root; the checked-in file is a snapshot (the sources it reads change over time)."""
import glob
import json
import random
import subprocess
import uuid

out = []


def section(title, lines):
    out.append(f"### {title}")
    out.extend(line.rstrip("\n") for line in lines if line.strip())


section("prose: the Apache License 2.0", open("/usr/share/common-licenses/Apache-2.0").read().splitlines()[:180])
section("prose and tables: llmtel's span contract", open("docs/conventions.md").read().splitlines())
section("prose: Sentry and OTLP wire notes", open("../shared/docs/wire.md").read().splitlines())
section("code: Python textwrap", open("/usr/lib/python3.11/textwrap.py").read().splitlines()[:300])
section("code: Python json.decoder", open("/usr/lib/python3.11/json/decoder.py").read().splitlines())
section("code: llmtel's spool exporter", open("core/src/export/spool.rs").read().splitlines()[:200])
# The one scenario built around a pasted key is left out: it holds a secret on purpose.
section("json: recorded provider exchanges",
        [json.dumps(json.load(open(p)), ensure_ascii=False) for p in sorted(glob.glob("tests/scenarios/*.json"))
         if "api_key_in_prompt" not in p])
section("lock files: Cargo.lock checksums",
        [line for line in open("Cargo.lock").read().splitlines()
         if line.startswith(("name", "version", "checksum", "source"))][:160])
section("lock files: package-lock integrity",
        [line for line in open("bindings-node/package-lock.json").read().splitlines()
         if '"integrity"' in line or '"resolved"' in line][:80])
section("git log: commit hashes and messages",
        subprocess.run(["git", "log", "--format=%H %s", "-n", "80"], capture_output=True, text=True).stdout.splitlines())
rnd = random.Random(7)
ids = []
for _ in range(60):
    u = uuid.UUID(int=rnd.getrandbits(128), version=4)
    ids.append(rnd.choice([f"request-id: {u}", f"x-request-id={u}", f"trace {u.hex} span {u.hex[:16]}",
                           f'{{"id": "{u}", "object": "chat.completion", "model": "gpt-4o-mini"}}',
                           f"cache key for /v1/models is {u.hex}", f"sha256:{u.hex}{u.hex}",
                           f"md5 of the upload: {u.hex}", f"etag \"{u.hex}\""]))
section("identifiers: request ids, hashes, etags", ids)
with open("tests/scrub/ordinary.txt", "w") as f:
    f.write("# Text with no secret in it (real prose, code, JSON, lock files, ids): scrubbing must leave\n"
            "# every line as it is. Assembled by tests/scrub/make_ordinary.py; one line per sample.\n")
    f.write("\n".join(out) + "\n")
