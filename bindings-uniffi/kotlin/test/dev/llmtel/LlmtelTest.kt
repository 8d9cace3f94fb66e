// The Kotlin binding's suite (kotlin-test assertions, no JUnit): the facade through the
// generated code, the idiomatic layer, the OkHttp interceptor against the loopback provider
// (tests/provider_server.py, its URL in LLMTEL_PROVIDER_URL). Prints one line per test and
// `N passed, N failed` last.
package dev.llmtel

import okhttp3.MediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import java.io.File
import java.nio.file.Files
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.system.exitProcess
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/** A spool in a fresh folder and the spans read back from it (one JSON line each). */
class Spool {
    val file: File = Files.createTempDirectory("llmtel-kotlin").resolve("spans.jsonl").toFile()
    fun lines(): List<String> = if (file.exists()) file.readLines().filter { it.isNotBlank() } else emptyList()
}

/** The first `"key":value` in a spool line: enough for these checks without a JSON library. */
fun field(line: String, key: String): String? {
    val at = line.indexOf("\"$key\":")
    if (at < 0) return null
    val rest = line.substring(at + key.length + 3)
    return if (rest.startsWith("\"")) rest.substring(1, rest.indexOf('"', 1)) else rest.takeWhile { it != ',' && it != '}' }
}

fun spanNamed(lines: List<String>, name: String): String =
    lines.firstOrNull { field(it, "name") == name } ?: fail("no span named $name in $lines")

val tests = linkedMapOf<String, () -> Unit>()

fun test(name: String, body: () -> Unit) {
    tests[name] = body
}

fun registerTests() {
    test("a span with typed attributes reaches the spool, doubles kept doubles") {
        val spool = Spool()
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""))
        val span = client.startSpan(SpanSpec(name = "generate report", op = "ai.task"))
        span.setAttribute("temperature", AttributeValue.Double(1.0))
        span.setAttribute("turns", AttributeValue.Int(3))
        span.setAttribute("tags", AttributeValue.StringArray(listOf("a", "b")))
        span.recordUsage(Usage(inputTokens = 10, outputTokens = 5))
        span.end()
        client.close(5000u)
        val line = spool.lines().single()
        assertEquals("generate report", field(line, "name"))
        assertEquals("ai.task", field(line, "op"))
        assertTrue("\"temperature\":1.0" in line, line)
        assertTrue("\"turns\":3" in line, line)
        assertTrue("\"gen_ai.usage.total_tokens\":15" in line, line)
    }

    test("ending twice is AlreadyEnded with its stable code") {
        val client = Client(mapOf("spool" to Spool().file.path, "dsn" to ""))
        val span = client.startSpan(SpanSpec(name = "once"))
        span.end()
        val e = assertFailsWith<LlmtelException.AlreadyEnded> { span.end() }
        assertEquals("already_ended", e.code)
        client.close(5000u)
    }

    test("a bad option is InvalidOption naming the option, with a suggestion") {
        val e = assertFailsWith<LlmtelException.InvalidOption> { Client(mapOf("dsnn" to "")) }
        assertEquals("invalid_option", e.code)
        assertEquals("dsnn", e.field)
        assertTrue("dsn" in e.reason, e.reason)
        val rate = assertFailsWith<LlmtelException.InvalidOption> { Llmtel.init { it.tracesSampleRate = 2.0 } }
        assertEquals("traces_sample_rate", rate.field)
    }

    test("negative token counts are refused as InvalidArgument") {
        val client = Client(mapOf("spool" to Spool().file.path, "dsn" to ""))
        val span = client.startSpan(SpanSpec(name = "usage"))
        val e = assertFailsWith<LlmtelException.InvalidArgument> { span.recordUsage(Usage(inputTokens = -1)) }
        assertEquals("input_tokens", e.field)
        span.end()
        client.close(5000u)
    }

    test("before_send_span edits and drops spans; a throwing hook drops, never the caller") {
        val spool = Spool()
        val hook = object : BeforeSendSpan {
            override fun beforeSendSpan(span: SpanView): SpanView? = when (span.name) {
                "drop me" -> null
                "throw" -> throw IllegalStateException("hook bug")
                else -> span.copy(
                    name = span.name.uppercase(),
                    attributes = span.attributes + ("edited" to AttributeValue.Bool(true)),
                )
            }
        }
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""), hook)
        for (name in listOf("keep", "drop me", "throw")) client.startSpan(SpanSpec(name = name)).end()
        client.flush(5000u)
        val stats = client.stats()
        client.close(5000u)
        val lines = spool.lines()
        assertEquals(listOf("KEEP"), lines.map { field(it, "name") })
        assertTrue("\"edited\":true" in lines.single())
        assertEquals(2uL, stats.dropped["before_send"])
    }

    test("traces_sampler decides per root and its children follow") {
        val spool = Spool()
        val sampler = object : TracesSampler {
            override fun sample(context: SamplingView): Double? = if (context.name == "keep") 1.0 else 0.0
        }
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""), null, sampler)
        for (name in listOf("keep", "skip")) {
            val root = client.startSpan(SpanSpec(name = name))
            client.startSpan(SpanSpec(name = "$name child"), root.context()).end()
            root.end()
        }
        client.close(5000u)
        assertEquals(setOf("keep", "keep child"), spool.lines().map { field(it, "name") }.toSet())
    }

    test("a GenAI call, an agent and a tool nest under the user's span") {
        val spool = Spool()
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""))
        val root = client.startSpan(SpanSpec(name = "root"))
        val agent = client.agent("""{"name": "weather", "model": "gpt-4o"}""", Placement(), root.context())
        val call = client.call(
            CallSpec(provider = "openai", api = "chat_completions", request = """{"model": "gpt-4o", "messages": []}"""),
            agent.context(),
        )
        assertNull(call.problem())
        call.finish("""{"id": "c1", "model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}""")
        val tool = client.tool("""{"name": "get_weather", "call_id": "t1"}""", Placement(), agent.context())
        tool.fail("ValueError", "no such city")
        agent.end()
        root.end()
        client.close(5000u)
        val lines = spool.lines()
        val rootId = field(spanNamed(lines, "root"), "span_id")
        val agentLine = spanNamed(lines, "invoke_agent weather")
        assertEquals(rootId, field(agentLine, "parent_span_id"))
        val agentId = field(agentLine, "span_id")
        assertEquals(agentId, field(spanNamed(lines, "chat gpt-4o"), "parent_span_id"))
        val toolLine = spanNamed(lines, "execute_tool get_weather")
        assertEquals(agentId, field(toolLine, "parent_span_id"))
        assertEquals("ValueError", field(toolLine, "error.type"))
        assertTrue("\"gen_ai.usage.input_tokens\":7" in agentLine, agentLine)
    }

    test("a request that is not JSON still gives a call, and says why") {
        val spool = Spool()
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""))
        val call = client.call(CallSpec(provider = "openai", api = "chat_completions", request = "{not json"))
        assertNotNull(call.problem())
        call.finish("{}")
        assertFailsWith<LlmtelException.UnknownProvider> {
            client.call(CallSpec(provider = "mistral", api = "chat_completions", request = "{}"))
        }
        client.close(5000u)
        assertEquals(1, spool.lines().size)
    }

    test("continue_trace joins the caller's trace and trace_data propagates it") {
        val spool = Spool()
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""))
        val incoming = client.continueTrace(
            mapOf("traceparent" to "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ) ?: fail("no context from a traceparent")
        val span = client.startSpan(SpanSpec(name = "handler"), incoming)
        assertEquals("0af7651916cd43dd8448eb211c80319c", span.context().traceId())
        val data = client.traceData(span.context())
        assertTrue(data.traceparent.startsWith("00-0af7651916cd43dd8448eb211c80319c-"), data.traceparent)
        span.end()
        assertNull(client.continueTrace(mapOf("accept" to "*/*")))
        client.close(5000u)
        assertEquals("b7ad6b7169203331", field(spool.lines().single(), "parent_span_id"))
    }

    test("many threads record through one client, every span counted") {
        val spool = Spool()
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to "", "queue_capacity" to "10000"))
        val start = CountDownLatch(1)
        val threads = (1..8).map { t ->
            thread {
                start.await()
                repeat(100) { i ->
                    val span = client.startSpan(SpanSpec(name = "t$t-$i"))
                    span.setAttribute("i", AttributeValue.Int(i.toLong()))
                    span.end()
                }
            }
        }
        start.countDown()
        threads.forEach { it.join() }
        client.close(10000u)
        assertEquals(800uL, client.stats().queued)
        assertEquals(800, spool.lines().size)
    }

    test("flush and close: close delivers what is queued, a closed client drops what ends after") {
        val spool = Spool()
        val client = Client(mapOf("spool" to spool.file.path, "dsn" to ""))
        client.startSpan(SpanSpec(name = "before")).end()
        client.close(5000u)
        assertTrue(client.isClosed())
        client.close(5000u) // a second close returns at once
        client.startSpan(SpanSpec(name = "after")).end()
        assertEquals(listOf("before"), spool.lines().map { field(it, "name") })
        assertEquals(1uL, client.stats().dropped["after_close"])
    }

    test("Llmtel.startSpan nests by thread, marks a throwing block, rethrows") {
        val spool = Spool()
        Llmtel.init { it.spool = spool.file.path; it.dsn = "" }
        val result = Llmtel.startSpan("outer", op = "ai.task", attributes = mapOf("n" to 1)) {
            Llmtel.startSpan("inner") { 42 }
        }
        assertEquals(42, result)
        assertFailsWith<IllegalStateException> {
            Llmtel.startSpan("fails") { throw IllegalStateException("boom") }
        }
        Llmtel.close()
        val lines = spool.lines()
        assertEquals(field(spanNamed(lines, "outer"), "span_id"), field(spanNamed(lines, "inner"), "parent_span_id"))
        assertEquals("error", field(spanNamed(lines, "fails"), "status"))
        assertNull(Llmtel.activeContext())
    }

    val provider = System.getenv("LLMTEL_PROVIDER_URL")
    val json = MediaType.parse("application/json")
    fun post(http: OkHttpClient, scenario: String, path: String, body: String) =
        http.newCall(Request.Builder().url("$provider/$scenario$path").post(RequestBody.create(json, body)).build()).execute()

    test("OkHttp: a chat call, a streamed call and a 429 give their spans; the caller's bodies are untouched") {
        if (provider == null) fail("LLMTEL_PROVIDER_URL is not set: run through tests/uniffi")
        val spool = Spool()
        Llmtel.init { it.spool = spool.file.path; it.dsn = "" }
        val http = OkHttpClient.Builder().addInterceptor(LlmtelInterceptor()).build()
        val plain = post(http, "openai_chat_plain", "/v1/chat/completions", """{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}""")
        val plainBody = plain.body()!!.string()
        assertTrue("\"choices\"" in plainBody, plainBody)
        val streamed = post(
            http, "openai_chat_stream_with_usage", "/v1/chat/completions",
            """{"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "Hi"}]}""",
        )
        val events = streamed.body()!!.string()
        assertTrue(events.contains("data: [DONE]"), events)
        val limited = post(http, "openai_chat_error_429", "/v1/chat/completions", """{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}""")
        assertEquals(429, limited.code())
        assertTrue("rate" in limited.body()!!.string().lowercase())
        Llmtel.close()
        val lines = spool.lines()
        assertEquals(3, lines.size, lines.toString())
        val (chat, stream, error) = lines
        assertEquals("auto.http.okhttp.llmtel", field(chat, "origin"))
        assertTrue("\"gen_ai.usage.input_tokens\":" in chat, chat)
        assertTrue("\"gen_ai.request.stream\":true" in stream, stream)
        assertTrue("\"gen_ai.request.stream\"" !in chat, chat)
        assertTrue("\"gen_ai.usage.output_tokens\":" in stream, stream)
        assertEquals("error", field(error, "status"))
        assertEquals("rate_limit_exceeded", field(error, "error.type"))
        assertEquals("127.0.0.1", field(chat, "server.address"))
    }

    test("OkHttp: Anthropic and Gemini endpoints are recognised; other requests pass untraced") {
        if (provider == null) fail("LLMTEL_PROVIDER_URL is not set: run through tests/uniffi")
        val spool = Spool()
        Llmtel.init { it.spool = spool.file.path; it.dsn = "" }
        val http = OkHttpClient.Builder().addInterceptor(LlmtelInterceptor()).build()
        post(http, "anthropic_text", "/v1/messages", """{"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "Hi"}]}""").close()
        post(http, "gemini_text", "/v1beta/models/gemini-2.5-flash:generateContent", """{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}""").close()
        http.newCall(Request.Builder().url("$provider/__scenarios").build()).execute().close()
        Llmtel.close()
        val lines = spool.lines()
        assertEquals(listOf("anthropic", "gcp.gemini"), lines.map { field(it, "gen_ai.provider.name") })
        assertEquals("gemini-2.5-flash", field(lines[1], "gen_ai.request.model"))
    }
}

fun main() {
    registerTests()
    var passed = 0
    var failed = 0
    for ((name, body) in tests) {
        try {
            body()
            passed++
            println("ok - $name")
        } catch (e: Throwable) {
            failed++
            println("not ok - $name\n  ${e.toString().replace("\n", "\n  ")}")
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
