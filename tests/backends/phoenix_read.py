"""Prints, as JSON lines, the spans of one trace as Arize Phoenix's own client reads them back.
Runs in the Phoenix venv: python phoenix_read.py BASE_URL TRACE_ID"""

import json
import sys

from phoenix.client import Client

base_url, trace_id = sys.argv[1], sys.argv[2]
for span in Client(base_url=base_url).spans.get_spans(project_identifier="default", limit=1000):
    if span["context"]["trace_id"] == trace_id:
        print(json.dumps({key: span.get(key) for key in
                          ["name", "span_kind", "parent_id", "status_code", "status_message", "attributes"]}
                         | {"span_id": span["context"]["span_id"]}))
