/* Drives one GenAI call through the C API, for tests/c/test_c_scenarios.py:
 *   scenario_runner PROVIDER API STREAM RECORD_INPUTS RECORD_OUTPUTS REQUEST_FILE
 *                   KIND(json|events|error) RESPONSE_FILE STATUS SERVER_ADDRESS SERVER_PORT
 *                   [option=value ...]
 * An events file holds one "EVENT<TAB>DATA" line per chunk (EVENT empty when unnamed). The span
 * goes to the spool named by the `spool` option. Exit 0 when every call returned LLMTEL_OK. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmtel.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    *len = fread(text, 1, (size_t)size, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

static llmtel_str str(const char *s) { return (llmtel_str){s, strlen(s)}; }

static int report(const char *what, llmtel_result r) {
    if (r == LLMTEL_OK) return 0;
    char buf[4096];
    size_t len = 0;
    if (llmtel_last_error(buf, sizeof buf - 1, &len) != LLMTEL_OK) len = 0;
    buf[len] = '\0';
    fprintf(stderr, "%s: %s: %s\n", what, llmtel_result_name(r), buf);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 12) {
        fprintf(stderr, "usage: see the comment at the top of scenario_runner.c\n");
        return 2;
    }
    llmtel_options *options = NULL;
    int failures = report("options", llmtel_options_new(&options));
    for (int i = 12; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) { fprintf(stderr, "bad option %s\n", argv[i]); return 2; }
        failures += report(argv[i], llmtel_options_set(options, argv[i], (size_t)(eq - argv[i]), eq + 1, strlen(eq + 1)));
    }
    llmtel_client *client = NULL;
    failures += report("client", llmtel_client_new(options, &client));
    llmtel_options_free(options);
    if (!client) return 1;

    size_t request_len = 0, response_len = 0;
    char *request = slurp(argv[6], &request_len);
    char *response = slurp(argv[8], &response_len);
    llmtel_genai_start start = {
        .provider = str(argv[1]), .api = str(argv[2]),
        .request_json = {request, request_len},
        .server_address = str(argv[10]), .server_port = (uint16_t)atoi(argv[11]),
        .parent = NULL, .stream = argv[3][0] == '1',
        .record_inputs = argv[4][0] == '1', .record_outputs = argv[5][0] == '1',
    };
    llmtel_genai_call *call = NULL;
    failures += report("begin", llmtel_genai_begin(client, &start, &call));
    if (strcmp(argv[7], "events") == 0) {
        char *line = response;
        while (line && *line) {
            char *end = strchr(line, '\n');
            if (end) *end = '\0';
            char *tab = strchr(line, '\t');
            if (tab) {
                *tab = '\0';
                llmtel_str event = *line ? str(line) : (llmtel_str){NULL, 0};
                failures += report("chunk", llmtel_genai_chunk(call, event, str(tab + 1)));
            }
            line = end ? end + 1 : NULL;
        }
        failures += report("finish_stream", llmtel_genai_finish_stream(call));
    } else if (strcmp(argv[7], "error") == 0) {
        failures += report("fail", llmtel_genai_fail(call, (uint16_t)atoi(argv[9]), (llmtel_str){response, response_len}, (llmtel_str){NULL, 0}, (llmtel_str){NULL, 0}));
    } else {
        failures += report("finish", llmtel_genai_finish(call, (llmtel_str){response, response_len}));
    }
    llmtel_genai_call_free(call);
    failures += report("flush", llmtel_client_flush(client, 5000));
    llmtel_client_free(client);
    free(request);
    free(response);
    return failures ? 1 : 0;
}
