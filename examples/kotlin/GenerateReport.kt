// 'Generate Report' in Kotlin: one span around three model calls made over OkHttp, traced by
// LlmtelInterceptor (a streamed OpenAI chat, an Anthropic message, a Gemini generateContent).
// With OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY set, the calls go to the real APIs;
// without one, to LLMTEL_DEMO_PROVIDER_URL (the loopback server `make demo` starts). Run with
// `bindings-uniffi/kotlin/run examples/kotlin/GenerateReport.kt` after `make kotlin`.
import dev.llmtel.Llmtel
import dev.llmtel.LlmtelInterceptor
import okhttp3.MediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody

val http: OkHttpClient = OkHttpClient.Builder().addInterceptor(LlmtelInterceptor()).build()
val loopback: String? = System.getenv("LLMTEL_DEMO_PROVIDER_URL")

/** The real API's URL and key header when its key is set, else the loopback scenario's. */
fun endpoint(keyVar: String, real: String, scenario: String, path: String): Pair<String, Pair<String, String>> {
    val key = System.getenv(keyVar)
    if (!key.isNullOrEmpty()) {
        val header = when (keyVar) {
            "OPENAI_API_KEY" -> "Authorization" to "Bearer $key"
            "ANTHROPIC_API_KEY" -> "x-api-key" to key
            else -> "x-goog-api-key" to key
        }
        return "$real$path" to header
    }
    val base = loopback ?: error("set $keyVar, or LLMTEL_DEMO_PROVIDER_URL to a loopback provider server")
    return "$base/$scenario$path" to ("x-api-key" to "loopback")
}

fun post(target: Pair<String, Pair<String, String>>, body: String): String {
    val (url, header) = target
    val request = Request.Builder().url(url).header(header.first, header.second)
        .header("anthropic-version", "2023-06-01")
        .post(RequestBody.create(MediaType.parse("application/json"), body)).build()
    return http.newCall(request).execute().use { it.body()!!.string() }
}

fun main() {
    Llmtel.init { it.tracesSampleRate = 1.0 } // no dsn, otlpEndpoint or spotlight: .llmtel/spans.jsonl
    Llmtel.startSpan("Generate Report", op = "ai.task", attributes = mapOf("report.kind" to "weekly", "host" to "kotlin")) {
        post(
            endpoint("OPENAI_API_KEY", "https://api.openai.com", "openai_chat_stream_with_usage", "/v1/chat/completions"),
            """{"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "Say hello world"}]}""",
        )
        post(
            endpoint("ANTHROPIC_API_KEY", "https://api.anthropic.com", "anthropic_text", "/v1/messages"),
            """{"model": "claude-sonnet-4-6", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello, Claude"}]}""",
        )
        post(
            endpoint("GEMINI_API_KEY", "https://generativelanguage.googleapis.com", "gemini_text", "/v1beta/models/gemini-2.5-flash:generateContent"),
            """{"contents": [{"role": "user", "parts": [{"text": "Why is the sky blue?"}]}]}""",
        )
    }
    Llmtel.close()
    println("Kotlin: Generate Report recorded (3 calls through OkHttp)")
}
