/* Every export of include/llmtel.h, including the edges: NULL handles, invalid UTF-8,
 * zero-length strings, malformed JSON, calls after shutdown, spans ended twice. Each returns
 * its documented code and nothing crashes. Spans are read back from a real spool file.
 * Built with -std=c99 -Wall -Wextra -Werror; run plainly and under valgrind by `make test`. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmtel.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                              \
    } while (0)

#define EXPECT(code, call) CHECK((call) == (code))
#define S(literal) ((llmtel_str){literal, sizeof(literal) - 1})
#define NONE ((llmtel_str){NULL, 0})

static char spool_path[256];

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static char *read_spool(void) { return read_file(spool_path); }

static int count_lines(const char *text) {
    int n = 0;
    for (; text && *text; text++) n += *text == '\n';
    return n;
}

static void last_error_mentions(const char *needle) {
    char buf[4096];
    size_t len = 0;
    EXPECT(LLMTEL_OK, llmtel_last_error(buf, sizeof buf - 1, &len));
    buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
    CHECK(strstr(buf, needle) != NULL);
    if (!strstr(buf, needle)) fprintf(stderr, "  last error was: %s\n", buf);
}

static llmtel_client *new_client(void) {
    llmtel_options *options = NULL;
    EXPECT(LLMTEL_OK, llmtel_options_new(&options));
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "spool", 5, spool_path, strlen(spool_path)));
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "dsn", 3, "", 0));
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "flush_interval", 14, "50ms", 4));
    llmtel_client *client = NULL;
    EXPECT(LLMTEL_OK, llmtel_client_new(options, &client));
    llmtel_options_free(options);
    CHECK(client != NULL);
    return client;
}

static void test_names_and_errors(void) {
    CHECK(strlen(llmtel_version()) > 0);
    CHECK(strcmp(llmtel_result_name(LLMTEL_OK), "LLMTEL_OK") == 0);
    CHECK(strcmp(llmtel_result_name(LLMTEL_ERROR_PANIC), "LLMTEL_ERROR_PANIC") == 0);
    CHECK(strcmp(llmtel_result_name(12345), "LLMTEL_UNKNOWN_RESULT") == 0);

    size_t len = 0;
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_last_error(NULL, 0, NULL));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_options_new(NULL));
    /* the message above is now the last error; a small buffer is refused with its length */
    char tiny[2];
    EXPECT(LLMTEL_ERROR_BUFFER_TOO_SMALL, llmtel_last_error(tiny, sizeof tiny, &len));
    CHECK(len > sizeof tiny);
}

static void test_options(void) {
    llmtel_options *options = NULL;
    EXPECT(LLMTEL_OK, llmtel_options_new(&options));
    EXPECT(LLMTEL_ERROR_INVALID_OPTION, llmtel_options_set(options, "traces_sample_rate", 18, "1.5", 3));
    last_error_mentions("traces_sample_rate");
    EXPECT(LLMTEL_ERROR_INVALID_OPTION, llmtel_options_set(options, "no_such_option", 14, "x", 1));
    last_error_mentions("unknown option");
    EXPECT(LLMTEL_ERROR_INVALID_UTF8, llmtel_options_set(options, "release", 7, "\xff\xfe", 2));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_options_set(options, NULL, 3, "x", 1));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_options_set(NULL, "dsn", 3, "", 0));
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "release", 7, NULL, 0)); /* zero-length value */
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "dsn", 3, "not a dsn", 9));
    llmtel_client *client = NULL;
    EXPECT(LLMTEL_ERROR_INVALID_OPTION, llmtel_client_new(options, &client));
    CHECK(client == NULL); /* out-parameters are written only on success */
    last_error_mentions("dsn");
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_client_new(options, NULL));
    llmtel_options_free(options);
    llmtel_options_free(NULL);
}

static void test_spans(llmtel_client *client) {
    llmtel_span *root = NULL, *child = NULL;
    EXPECT(LLMTEL_OK, llmtel_span_start(client, S("Generate Report"), S("ai.task"), NULL, &root));
    llmtel_context root_ctx;
    EXPECT(LLMTEL_OK, llmtel_span_context(root, &root_ctx));
    CHECK(root_ctx.flags & LLMTEL_CONTEXT_SAMPLED);
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_context(root, NULL));
    EXPECT(LLMTEL_OK, llmtel_span_start(client, S("chat gpt-4o"), S("gen_ai.chat"), &root_ctx, &child));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_start(NULL, S("x"), NONE, NULL, &child));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_start(client, S("x"), NONE, NULL, NULL));
    EXPECT(LLMTEL_ERROR_INVALID_UTF8, llmtel_span_start(client, (llmtel_str){"\xc3\x28", 2}, NONE, NULL, &child));

    EXPECT(LLMTEL_OK, llmtel_span_set_string(child, S("gen_ai.request.model"), S("gpt-4o")));
    EXPECT(LLMTEL_OK, llmtel_span_set_string(child, S("empty.value"), NONE));
    EXPECT(LLMTEL_OK, llmtel_span_set_int(child, S("server.port"), 443));
    EXPECT(LLMTEL_OK, llmtel_span_set_double(child, S("gen_ai.request.temperature"), 0.5));
    EXPECT(LLMTEL_OK, llmtel_span_set_bool(child, S("gen_ai.request.stream"), true));
    llmtel_str reasons[] = {S("stop"), S("length")};
    EXPECT(LLMTEL_OK, llmtel_span_set_string_array(child, S("gen_ai.response.finish_reasons"), reasons, 2));
    int64_t ints[] = {1, 2, 3};
    double doubles[] = {0.5, 1.5};
    bool bools[] = {true, false};
    EXPECT(LLMTEL_OK, llmtel_span_set_int_array(child, S("ints"), ints, 3));
    EXPECT(LLMTEL_OK, llmtel_span_set_double_array(child, S("doubles"), doubles, 2));
    EXPECT(LLMTEL_OK, llmtel_span_set_bool_array(child, S("bools"), bools, 2));
    EXPECT(LLMTEL_OK, llmtel_span_set_int_array(child, S("no.ints"), NULL, 0));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_set_int_array(child, S("bad"), NULL, 2));
    llmtel_str bad_items[] = {S("ok"), {"\xff", 1}};
    EXPECT(LLMTEL_ERROR_INVALID_UTF8, llmtel_span_set_string_array(child, S("bad"), bad_items, 2));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_set_string(NULL, S("k"), S("v")));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_set_string(child, (llmtel_str){NULL, 3}, S("v")));
    EXPECT(LLMTEL_OK, llmtel_span_record_usage(child, 150, 300, 100, -1));
    EXPECT(LLMTEL_OK, llmtel_span_set_status_error(child, S("resource_exhausted"), S("rate_limit_error")));
    EXPECT(LLMTEL_ERROR_INVALID_ARGUMENT, llmtel_span_set_status_error(child, S("not_a_status"), NONE));
    EXPECT(LLMTEL_OK, llmtel_span_set_status_ok(root));

    char trace_id[32], span_id[16], root_trace[32], root_span[16];
    EXPECT(LLMTEL_OK, llmtel_span_ids(child, trace_id, span_id));
    EXPECT(LLMTEL_OK, llmtel_span_ids(root, root_trace, root_span));
    CHECK(memcmp(trace_id, root_trace, 32) == 0); /* the child is in its parent's trace */
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_ids(child, NULL, span_id));

    EXPECT(LLMTEL_OK, llmtel_span_end(child));
    EXPECT(LLMTEL_ERROR_ALREADY_ENDED, llmtel_span_end(child));
    EXPECT(LLMTEL_ERROR_ALREADY_ENDED, llmtel_span_set_int(child, S("late"), 1));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_end(NULL));
    llmtel_span_free(child);
    llmtel_span_free(root); /* freed without an explicit end: ended here */
    llmtel_span_free(NULL);

    EXPECT(LLMTEL_OK, llmtel_client_flush(client, 5000));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_client_flush(NULL, 5000));
    char *spool = read_spool();
    CHECK(spool != NULL);
    CHECK(count_lines(spool) == 2);
    CHECK(strstr(spool, "\"name\":\"chat gpt-4o\"") != NULL);
    CHECK(strstr(spool, "\"gen_ai.usage.input_tokens\":150") != NULL);
    CHECK(strstr(spool, "\"gen_ai.usage.cache_read.input_tokens\":100") != NULL);
    CHECK(strstr(spool, "\"gen_ai.usage.reasoning.output_tokens\"") == NULL); /* -1: not reported */
    CHECK(strstr(spool, "\"gen_ai.response.finish_reasons\":[\"stop\",\"length\"]") != NULL);
    CHECK(strstr(spool, "\"bools\":[true,false]") != NULL);
    CHECK(strstr(spool, "\"error_code\":\"resource_exhausted\"") != NULL);
    CHECK(strstr(spool, "\"bad\"") == NULL); /* refused values were not recorded */
    free(spool);
}

static const char REQUEST[] =
    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
static const char RESPONSE[] =
    "{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
    "\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\"},\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":8,\"total_tokens\":20}}";

static void test_genai(llmtel_client *client) {
    llmtel_genai_start start = {
        .provider = S("openai"), .api = S("chat_completions"),
        .request_json = {REQUEST, sizeof REQUEST - 1}, .server_address = S("api.openai.com"),
        .server_port = 443, .parent = NULL, .record_inputs = true, .record_outputs = true,
        .stream = false,
    };
    llmtel_genai_call *call = NULL;
    llmtel_str problem = NONE;
    EXPECT(LLMTEL_OK, llmtel_genai_begin(client, &start, &call));
    EXPECT(LLMTEL_ERROR_NOT_FOUND, llmtel_genai_problem(call, &problem));
    EXPECT(LLMTEL_OK, llmtel_genai_finish(call, (llmtel_str){RESPONSE, sizeof RESPONSE - 1}));
    EXPECT(LLMTEL_ERROR_ALREADY_ENDED, llmtel_genai_finish(call, (llmtel_str){RESPONSE, sizeof RESPONSE - 1}));
    EXPECT(LLMTEL_ERROR_ALREADY_ENDED, llmtel_genai_finish_stream(call));
    llmtel_genai_call_free(call);

    /* a stream, with a malformed chunk in the middle that costs only itself */
    start.stream = true;
    start.request_json = S("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}");
    EXPECT(LLMTEL_OK, llmtel_genai_begin(client, &start, &call));
    EXPECT(LLMTEL_OK, llmtel_genai_chunk(call, NONE, S("{\"id\":\"c2\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}")));
    EXPECT(LLMTEL_ERROR_MALFORMED_JSON, llmtel_genai_chunk(call, NONE, S("{not json")));
    last_error_mentions("chunk");
    EXPECT(LLMTEL_OK, llmtel_genai_chunk(call, NONE, S("{\"id\":\"c2\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}")));
    EXPECT(LLMTEL_OK, llmtel_genai_chunk(call, NONE, S("[DONE]")));
    EXPECT(LLMTEL_OK, llmtel_genai_finish_stream(call));
    llmtel_genai_call_free(call);

    /* a failure, and a malformed request that still gives a call to end and free */
    start.stream = false;
    start.provider = S("anthropic");
    start.api = S("messages");
    start.request_json = S("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[]}");
    EXPECT(LLMTEL_OK, llmtel_genai_begin(client, &start, &call));
    EXPECT(LLMTEL_OK, llmtel_genai_fail(call, 429, S("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"), S("RateLimitError"), NONE));
    llmtel_genai_call_free(call);
    /* A request that cannot be read: the call exists (success), and says why. */
    start.request_json = S("{\"model\": ");
    call = NULL;
    EXPECT(LLMTEL_OK, llmtel_genai_begin(client, &start, &call));
    CHECK(call != NULL);
    EXPECT(LLMTEL_OK, llmtel_genai_problem(call, &problem));
    CHECK(problem.len > 23 && memcmp(problem.data, "cannot read the request", 23) == 0);
    EXPECT(LLMTEL_OK, llmtel_genai_fail(call, 0, NONE, S("TimeoutError"), S("no answer in 30 s")));
    llmtel_genai_call_free(call);

    /* a call freed without being ended is ended with what it gathered */
    start.request_json = S("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":5,\"messages\":[]}");
    EXPECT(LLMTEL_OK, llmtel_genai_begin(client, &start, &call));
    llmtel_genai_call_free(call);
    llmtel_genai_call_free(NULL);

    call = NULL;
    start.provider = S("nobody");
    EXPECT(LLMTEL_ERROR_UNKNOWN_PROVIDER, llmtel_genai_begin(client, &start, &call));
    CHECK(call == NULL);
    start.provider = S("openai");
    start.api = S("faxes");
    EXPECT(LLMTEL_ERROR_UNKNOWN_API, llmtel_genai_begin(client, &start, &call));
    start.api = S("chat_completions");
    start.request_json = (llmtel_str){"{\"model\":\"\xff\"}", 12};
    EXPECT(LLMTEL_ERROR_INVALID_UTF8, llmtel_genai_begin(client, &start, &call));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_genai_begin(client, NULL, &call));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_genai_chunk(NULL, NONE, S("{}")));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_genai_finish(NULL, S("{}")));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_genai_finish_stream(NULL));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_genai_fail(NULL, 500, NONE, NONE, NONE));

    EXPECT(LLMTEL_OK, llmtel_client_flush(client, 5000));
    char *spool = read_spool();
    CHECK(count_lines(spool) == 2 + 5);
    CHECK(strstr(spool, "\"gen_ai.output.messages\":\"[{\\\"role\\\":\\\"assistant\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\",\\\"content\\\":\\\"Hi!\\\"}],\\\"finish_reason\\\":\\\"stop\\\"}]\"") != NULL);
    CHECK(strstr(spool, "\"gen_ai.cost.total_tokens\"") != NULL);
    CHECK(strstr(spool, "\"error.type\":\"rate_limit_error\"") != NULL);
    CHECK(strstr(spool, "\"error.type\":\"TimeoutError\"") != NULL);
    CHECK(strstr(spool, "\"error_message\":\"no answer in 30 s\"") != NULL || strstr(spool, "no answer in 30 s") != NULL);
    CHECK(strstr(spool, "\"gen_ai.response.time_to_first_chunk\"") != NULL);
    free(spool);
}

/* A filter as a C user writes one: drops spans named "drop me", removes the attribute
 * "secret", renames "rename me", and counts its calls through user_data. */
static uint32_t filter(llmtel_span_data *span, void *user_data) {
    int *calls = user_data;
    (*calls)++;
    llmtel_str name = NONE, op = NONE, value = NONE;
    if (llmtel_span_data_name(span, &name) != LLMTEL_OK) return LLMTEL_SPAN_DROP;
    if (name.len == 7 && memcmp(name.data, "drop me", 7) == 0) return LLMTEL_SPAN_DROP;
    if (llmtel_span_data_op(span, &op) != LLMTEL_OK) return LLMTEL_SPAN_DROP;
    if (llmtel_span_data_get_string(span, S("secret"), &value) == LLMTEL_OK) {
        if (llmtel_span_data_remove_attribute(span, S("secret")) != LLMTEL_OK) return LLMTEL_SPAN_DROP;
        llmtel_span_data_set_string(span, S("secret.removed"), S("yes"));
    }
    if (name.len == 9 && memcmp(name.data, "rename me", 9) == 0) {
        llmtel_span_data_set_name(span, S("renamed"));
    }
    return op.data == NULL ? 7 /* not a fate: dropped all the same */ : LLMTEL_SPAN_KEEP;
}

static void test_before_send_span(void) {
    char path[300];
    snprintf(path, sizeof path, "%s.hook", spool_path);
    int calls = 0;
    llmtel_options *options = NULL;
    EXPECT(LLMTEL_OK, llmtel_options_new(&options));
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "spool", 5, path, strlen(path)));
    EXPECT(LLMTEL_OK, llmtel_options_set(options, "dsn", 3, "", 0));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_options_set_before_send_span(NULL, filter, &calls));
    EXPECT(LLMTEL_OK, llmtel_options_set_before_send_span(options, filter, &calls));
    llmtel_client *client = NULL;
    EXPECT(LLMTEL_OK, llmtel_client_new(options, &client));
    llmtel_options_free(options);

    const char *names[] = {"kept", "drop me", "rename me", "no op"};
    for (int i = 0; i < 4; i++) {
        llmtel_span *span = NULL;
        llmtel_str op = i == 3 ? NONE : S("ai.task");
        EXPECT(LLMTEL_OK, llmtel_span_start(client, (llmtel_str){names[i], strlen(names[i])}, op, NULL, &span));
        EXPECT(LLMTEL_OK, llmtel_span_set_string(span, S("secret"), S("hunter2")));
        EXPECT(LLMTEL_OK, llmtel_span_set_string(span, S("visible"), S("fine")));
        EXPECT(LLMTEL_OK, llmtel_span_end(span));
        llmtel_span_free(span);
    }
    EXPECT(LLMTEL_OK, llmtel_client_close(client, 5000));
    llmtel_stats stats;
    EXPECT(LLMTEL_OK, llmtel_client_stats(client, &stats));
    llmtel_client_free(client);

    CHECK(calls == 4);
    CHECK(stats.dropped_by_reason[LLMTEL_DROP_BEFORE_SEND] == 2);
    char *spool = read_file(path);
    CHECK(count_lines(spool) == 2);
    CHECK(spool && strstr(spool, "\"name\":\"kept\""));
    CHECK(spool && strstr(spool, "\"name\":\"renamed\""));
    CHECK(spool && !strstr(spool, "drop me") && !strstr(spool, "no op"));
    CHECK(spool && !strstr(spool, "hunter2"));
    CHECK(spool && strstr(spool, "\"secret.removed\":\"yes\""));
    CHECK(spool && strstr(spool, "\"visible\":\"fine\""));
    free(spool);
    unlink(path);

    /* The accessors outside a hook: NULL span or out, a missing attribute. */
    llmtel_str out;
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_data_name(NULL, &out));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_data_set_name(NULL, S("x")));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_span_data_remove_attribute(NULL, S("x")));
    CHECK(strcmp(llmtel_result_name(LLMTEL_ERROR_NOT_FOUND), "LLMTEL_ERROR_NOT_FOUND") == 0);
}

/* Agents, tools, normalized calls and continued traces, as a framework integration in C
 * would drive them. */
static void test_agents_and_traces(llmtel_client *client) {
    llmtel_run *agent = NULL, *tool = NULL;
    llmtel_placement content = {.record_inputs = true, .record_outputs = true, .origin = S("auto.ai.custom")};
    EXPECT(LLMTEL_OK, llmtel_agent_start(client, S("{\"name\":\"Researcher\"}"), NULL, NULL, &agent));
    llmtel_context agent_ctx;
    EXPECT(LLMTEL_OK, llmtel_run_context(agent, &agent_ctx));
    CHECK(agent_ctx.flags & LLMTEL_CONTEXT_IN_AGENT);
    llmtel_genai_call *call = NULL;
    EXPECT(LLMTEL_OK, llmtel_genai_begin_normalized(client, S("{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\"}"), &content, &agent_ctx, &call));
    EXPECT(LLMTEL_OK, llmtel_genai_mark_chunk(call));
    EXPECT(LLMTEL_OK, llmtel_genai_finish_normalized(call, S("{\"usage\":{\"input_tokens\":40,\"output_tokens\":2}}")));
    EXPECT(LLMTEL_ERROR_ALREADY_ENDED, llmtel_genai_finish_normalized(call, S("{}")));
    llmtel_genai_call_free(call);
    EXPECT(LLMTEL_OK, llmtel_tool_start(client, S("{\"name\":\"search\",\"arguments\":{\"q\":\"x\"}}"), &content, &agent_ctx, &tool));
    EXPECT(LLMTEL_OK, llmtel_run_set_result(tool, S("3 hits")));
    EXPECT(LLMTEL_OK, llmtel_run_fail(tool, S("TimeoutError"), S("slow")));
    EXPECT(LLMTEL_ERROR_ALREADY_ENDED, llmtel_run_end(tool));
    llmtel_run_free(tool);
    EXPECT(LLMTEL_OK, llmtel_run_end(agent));
    llmtel_run_free(agent);
    EXPECT(LLMTEL_ERROR_INVALID_ARGUMENT, llmtel_agent_start(client, S("{\"nmae\":\"x\"}"), NULL, NULL, &agent));
    last_error_mentions("nmae");
    EXPECT(LLMTEL_ERROR_INVALID_ARGUMENT, llmtel_tool_start(client, S("{}"), NULL, NULL, &tool));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_run_set_output(NULL, S("[]")));

    /* A continued trace: the span joins the caller's trace under the caller's span. */
    llmtel_context remote;
    EXPECT(LLMTEL_OK, llmtel_continue_trace(client, NONE, S("vendor=x"), S("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), NONE, &remote));
    CHECK(remote.flags & LLMTEL_CONTEXT_REMOTE);
    llmtel_span *server = NULL;
    EXPECT(LLMTEL_OK, llmtel_span_start(client, S("POST /api/chat"), S("http.server"), &remote, &server));
    llmtel_context server_ctx;
    EXPECT(LLMTEL_OK, llmtel_span_context(server, &server_ctx));
    char header[64];
    size_t len = 0;
    EXPECT(LLMTEL_OK, llmtel_context_traceparent(&server_ctx, header, sizeof header, &len));
    CHECK(len == 55 && memcmp(header, "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36) == 0);
    EXPECT(LLMTEL_OK, llmtel_context_sentry_trace(&server_ctx, header, sizeof header, &len));
    CHECK(len == 51 && header[50] == '1');
    EXPECT(LLMTEL_ERROR_BUFFER_TOO_SMALL, llmtel_context_traceparent(&server_ctx, header, 10, &len));
    /* The outgoing baggage: the caller's members, then this service's DSC for the trace. */
    char baggage[512];
    EXPECT(LLMTEL_OK, llmtel_context_baggage(client, &server_ctx, baggage, sizeof baggage, &len));
    CHECK(len > 40 && memcmp(baggage, "vendor=x,sentry-trace_id=4bf92f3577b34da6a3ce929d0e0e4736", 57) == 0);
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_context_baggage(NULL, &server_ctx, baggage, sizeof baggage, &len));
    EXPECT(LLMTEL_OK, llmtel_span_end(server));
    llmtel_span_free(server);
    EXPECT(LLMTEL_ERROR_NOT_FOUND, llmtel_continue_trace(client, NONE, NONE, NONE, NONE, &remote));
    EXPECT(LLMTEL_ERROR_INVALID_ARGUMENT, llmtel_continue_trace(client, S("garbage"), NONE, NONE, NONE, &remote));
    last_error_mentions("sentry-trace");

    EXPECT(LLMTEL_OK, llmtel_client_flush(client, 5000));
    char *spool = read_spool();
    CHECK(strstr(spool, "\"name\":\"invoke_agent Researcher\"") != NULL);
    CHECK(strstr(spool, "\"gen_ai.usage.input_tokens\":40") != NULL);
    CHECK(strstr(spool, "\"gen_ai.tool.call.result\":\"3 hits\"") != NULL);
    CHECK(strstr(spool, "\"parent_span_id\":\"00f067aa0ba902b7\"") != NULL);
    CHECK(strstr(spool, "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"") != NULL);
    free(spool);
}

static void test_stats_and_shutdown(llmtel_client *client) {
    llmtel_stats stats;
    EXPECT(LLMTEL_OK, llmtel_client_stats(client, &stats));
    CHECK(stats.queued == 7 + 4);
    CHECK(stats.exported == 7 + 4);
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_client_stats(client, NULL));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_client_stats(NULL, &stats));

    EXPECT(LLMTEL_OK, llmtel_client_close(client, 5000));
    EXPECT(LLMTEL_OK, llmtel_client_close(client, 5000)); /* twice: at once */
    EXPECT(LLMTEL_OK, llmtel_client_flush(client, 5000));
    llmtel_span *late = NULL;
    EXPECT(LLMTEL_ERROR_CLOSED, llmtel_span_start(client, S("late"), NONE, NULL, &late));
    CHECK(late == NULL);
    llmtel_genai_start start = {S("openai"), S("chat_completions"), S("{}"), NONE, 0, NULL, false, false, false, NONE, NONE};
    llmtel_genai_call *call = NULL;
    EXPECT(LLMTEL_ERROR_CLOSED, llmtel_genai_begin(client, &start, &call));
    EXPECT(LLMTEL_ERROR_NULL_ARGUMENT, llmtel_client_close(NULL, 10));
}

int main(void) {
    char dir[] = "/tmp/llmtel-c-test-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(spool_path, sizeof spool_path, "%s/spans.jsonl", dir);

    test_names_and_errors();
    test_options();
    llmtel_client *client = new_client();
    test_spans(client);
    test_genai(client);
    test_agents_and_traces(client);
    test_stats_and_shutdown(client);
    llmtel_client_free(client);
    test_before_send_span();
    llmtel_client_free(NULL);

    unlink(spool_path);
    rmdir(dir);
    printf("c-api: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
