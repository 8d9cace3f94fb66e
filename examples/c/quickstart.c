/* The README's C quick start: a "Generate Report" span with a GenAI call under it, recorded
 * into the default spool (.llmtel/spans.jsonl) unless SENTRY_DSN, an OTLP endpoint or
 * LLMTEL_SPOOL says otherwise. Build: cc quickstart.c $(pkg-config --cflags --libs llmtel). */
#include <stdio.h>
#include <string.h>

#include "llmtel.h"

#define S(literal) ((llmtel_str){literal, sizeof(literal) - 1})

int main(void) {
    llmtel_client *client = NULL;
    if (llmtel_client_new(NULL, &client) != LLMTEL_OK) { /* NULL: defaults and environment */
        char reason[1024];
        size_t len = 0;
        llmtel_last_error(reason, sizeof reason - 1, &len);
        reason[len < sizeof reason ? len : 0] = '\0';
        fprintf(stderr, "llmtel: %s\n", reason);
        return 1;
    }

    llmtel_span *task = NULL;
    llmtel_span_start(client, S("Generate Report"), S("ai.task"), NULL, &task);
    llmtel_span_set_string(task, S("customer.tier"), S("premium"));
    llmtel_context in_task; /* where children start */
    llmtel_span_context(task, &in_task);

    /* A model call: hand llmtel the request and the response as JSON; it maps them to the
     * GenAI span contract (model, usage, cost, finish reasons, …). */
    static const char request[] =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise Q3\"}]}";
    static const char response[] =
        "{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":\"Revenue grew 12%.\"},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":150,\"completion_tokens\":30,\"total_tokens\":180}}";
    llmtel_genai_start start = {
        .provider = S("openai"), .api = S("chat_completions"),
        .request_json = {request, sizeof request - 1},
        .server_address = S("api.openai.com"), .server_port = 443, .parent = &in_task,
        .record_inputs = false, .record_outputs = false, .stream = false,
    };
    llmtel_genai_call *call = NULL;
    llmtel_genai_begin(client, &start, &call);
    /* ... the HTTP call to the provider happens here ... */
    llmtel_genai_finish(call, (llmtel_str){response, sizeof response - 1});
    llmtel_genai_call_free(call);

    /* A span of your own with usage you counted yourself. */
    llmtel_span *step = NULL;
    llmtel_span_start(client, S("rerank"), S("ai.rerank"), &in_task, &step);
    llmtel_span_record_usage(step, 40, 2, -1, -1); /* -1: not reported */
    llmtel_span_end(step);
    llmtel_span_free(step);

    llmtel_span_end(task);
    llmtel_span_free(task);
    llmtel_client_flush(client, 2000);
    llmtel_stats stats;
    llmtel_client_stats(client, &stats);
    printf("recorded %llu spans, exported %llu\n", (unsigned long long)stats.queued,
           (unsigned long long)stats.exported);
    llmtel_client_free(client); /* closes and delivers what is left */
    return stats.exported == 3 ? 0 : 1;
}
