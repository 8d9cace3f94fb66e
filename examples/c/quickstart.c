/* The README's C quick start: a "Generate Report" span with a GenAI call under it, recorded
 * into the default spool (.llmtel/spans.jsonl) unless SENTRY_DSN, an OTLP endpoint or
 * LLMTEL_SPOOL says otherwise. Build: cc quickstart.c $(pkg-config --cflags --libs llmtel). */
#include <stdio.h>
#include <string.h>

#include "llmtel.h"

#define S(literal) ((llmtel_str){literal, sizeof(literal) - 1})
#define SET(o, name, value) llmtel_options_set(o, name, sizeof(name) - 1, value, sizeof(value) - 1)

/* before_send_span: called on the thread that ends each span, after the privacy filter; it
 * reads and edits the span through llmtel_span_data_* and returns a fate. */
static uint32_t filter(llmtel_span_data *span, void *user_data) {
    (void)user_data; /* whatever you registered */
    llmtel_str model;
    if (llmtel_span_data_get_string(span, S("gen_ai.request.model"), &model) == LLMTEL_OK &&
        model.len == 13 && memcmp(model.data, "internal-eval", 13) == 0)
        return LLMTEL_SPAN_DROP;
    llmtel_span_data_remove_attribute(span, S("user.email")); /* also: _name, _op, _set_string */
    return LLMTEL_SPAN_KEEP; /* any other value drops the span */
}

int main(void) {
    llmtel_options *options = NULL; /* or llmtel_client_new(NULL, …): defaults + environment */
    llmtel_options_new(&options);
    SET(options, "traces_sample_rate", "1.0"); /* any option of the table, by name */
    SET(options, "send_default_pii", "false");
    llmtel_options_set_before_send_span(options, filter, NULL);
    llmtel_client *client = NULL;
    llmtel_result created = llmtel_client_new(options, &client);
    llmtel_options_free(options);
    if (created != LLMTEL_OK) {
        char reason[1024];
        size_t len = 0;
        llmtel_last_error(reason, sizeof reason - 1, &len);
        reason[len < sizeof reason ? len : 0] = '\0';
        fprintf(stderr, "llmtel: %s\n", reason);
        return 1;
    }

    llmtel_span *task = NULL; /* business context */
    llmtel_span_start(client, S("Generate Report"), S("ai.task"), NULL, &task);
    llmtel_span_set_string(task, S("customer.tier"), S("premium"));
    llmtel_context in_task; /* where children start (also from a run, a call, */
    llmtel_span_context(task, &in_task); /* or incoming headers: llmtel_continue_trace) */

    /* There is no SDK to patch in C: hand llmtel the request and the response (or the stream's
     * chunks) as JSON and it maps them to the GenAI span, as for Node and Python. */
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
    llmtel_genai_begin(client, &start, &call); /* then llmtel_genai_chunk… and finish_stream, or fail */
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
