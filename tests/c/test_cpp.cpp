// The header used from C++: extern "C" linkage, typed enums, and a round trip through the API.
#include <cstdio>
#include <cstring>
#include <string>

#include "llmtel.h"

static llmtel_str str(const std::string &s) { return llmtel_str{s.data(), s.size()}; }

int main() {
    llmtel_options *options = nullptr;
    if (llmtel_options_new(&options) != LLMTEL_OK) return 1;
    const std::string spool = "false";
    llmtel_options_set(options, "spool", 5, spool.data(), spool.size());
    llmtel_options_set(options, "dsn", 3, "", 0);
    llmtel_client *client = nullptr;
    llmtel_result created = llmtel_client_new(options, &client);
    llmtel_options_free(options);
    if (created != LLMTEL_OK) return 2;

    llmtel_span *span = nullptr;
    int passed = 0, failed = 0;
    (llmtel_span_start(client, str("cpp span"), str("test"), nullptr, &span) == LLMTEL_OK ? passed : failed)++;
    (llmtel_span_set_string(span, str("lang"), str("c++")) == LLMTEL_OK ? passed : failed)++;
    (llmtel_span_end(span) == LLMTEL_OK ? passed : failed)++;
    (llmtel_span_end(span) == LLMTEL_ERROR_ALREADY_ENDED ? passed : failed)++;
    (std::strcmp(llmtel_result_name(LLMTEL_ERROR_CLOSED), "LLMTEL_ERROR_CLOSED") == 0 ? passed : failed)++;
    llmtel_span_free(span);
    llmtel_stats stats{};
    (llmtel_client_flush(client, 2000) == LLMTEL_OK ? passed : failed)++;
    (llmtel_client_stats(client, &stats) == LLMTEL_OK && stats.queued == 1 ? passed : failed)++;
    llmtel_client_free(client);
    std::printf("c++: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
