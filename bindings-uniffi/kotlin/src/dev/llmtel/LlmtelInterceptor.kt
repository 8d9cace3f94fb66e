// An OkHttp interceptor that traces the LLM calls a JVM client makes (the official OpenAI and
// Anthropic Java SDKs are built on OkHttp): it recognises OpenAI, Azure OpenAI, Anthropic and
// Gemini endpoints and hands the request and response bodies, or the SSE stream as read, to
// the core. The caller gets the response OkHttp gave, untouched; llmtel's own failures are
// swallowed, never the caller's.
package dev.llmtel

import okhttp3.Interceptor
import okhttp3.MediaType
import okhttp3.Request
import okhttp3.Response
import okhttp3.ResponseBody
import okio.Buffer
import okio.BufferedSource
import okio.ForwardingSource
import okio.Okio
import okio.Source
import java.io.IOException

/**
 * Add to an `OkHttpClient.Builder` with `addInterceptor(LlmtelInterceptor())`. Content (prompts
 * and responses) is recorded when [recordInputs] / [recordOutputs] say so, else when `init`
 * had `sendDefaultPii = true`.
 */
class LlmtelInterceptor(
    private val recordInputs: Boolean? = null,
    private val recordOutputs: Boolean? = null,
) : Interceptor {

    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        val call = begin(request)
            ?: return chain.proceed(request)
        val response = try {
            chain.proceed(request)
        } catch (e: IOException) {
            quietly { call.fail(FailSpec(exception = e.javaClass.simpleName, message = e.message)) }
            throw e
        }
        return finish(call, response)
    }

    /** The call span for a request to an endpoint llmtel maps, or null (not one, or llmtel off). */
    private fun begin(request: Request): GenAiCall? {
        val client = Llmtel.client ?: return null
        if (request.method() != "POST") return null
        val endpoint = Endpoint.of(request) ?: return null
        val body = request.body() ?: return null
        return quietly {
            val buffer = Buffer()
            body.writeTo(buffer)
            val text = endpoint.request(buffer.readUtf8())
            val pii = Llmtel.sendDefaultPii
            client.call(
                CallSpec(
                    provider = endpoint.provider,
                    api = endpoint.api,
                    request = text,
                    serverAddress = request.url().host(),
                    serverPort = request.url().port().toUShort(),
                    recordInputs = recordInputs ?: pii,
                    recordOutputs = recordOutputs ?: pii,
                    stream = endpoint.stream || STREAM_FLAG.containsMatchIn(text),
                    origin = "auto.http.okhttp.llmtel",
                ),
                Llmtel.activeContext(),
            )
        }
    }

    private fun finish(call: GenAiCall, response: Response): Response {
        val body = response.body() ?: return response.also { quietly { call.finish("{}") } }
        if (response.code() >= 400) {
            val text = quietly { response.peekBody(MAX_BODY).string() }
            quietly { call.fail(FailSpec(httpStatus = response.code().toUShort(), body = text)) }
            return response
        }
        val type = body.contentType()
        if (type != null && type.subtype() == "event-stream") {
            // The stream is read by the caller; every byte read is fed to the core on the way.
            val traced = Okio.buffer(FeedingSource(body.source(), call))
            return response.newBuilder().body(TracedBody(type, body.contentLength(), traced)).build()
        }
        quietly { call.finish(response.peekBody(MAX_BODY).string()) }
        return response
    }

    /** Feeds what the caller reads to the call; the end of the stream, or closing it early, ends the call. */
    private class FeedingSource(source: Source, private val call: GenAiCall) : ForwardingSource(source) {
        override fun read(sink: Buffer, byteCount: Long): Long {
            val n = try {
                super.read(sink, byteCount)
            } catch (e: IOException) {
                quietly { call.fail(FailSpec(exception = e.javaClass.simpleName, message = e.message)) }
                throw e
            }
            if (n == -1L) {
                if (!call.isEnded()) quietly { call.finishStream() }
            } else {
                val read = Buffer()
                sink.copyTo(read, sink.size() - n, n)
                quietly { call.feed(read.readByteArray()) }
            }
            return n
        }

        override fun close() {
            if (!call.isEnded()) quietly { call.finishStream() }
            super.close()
        }
    }

    private class TracedBody(
        private val type: MediaType,
        private val length: Long,
        private val source: BufferedSource,
    ) : ResponseBody() {
        override fun contentType(): MediaType = type
        override fun contentLength(): Long = length
        override fun source(): BufferedSource = source
    }

    /** An endpoint llmtel maps: the provider, the API, and how the wire request becomes the core's. */
    internal class Endpoint(
        val provider: String,
        val api: String,
        val stream: Boolean,
        private val model: String?,
    ) {
        /** Gemini names the model in the URL, not the body: the core reads it from `model`. */
        fun request(body: String): String {
            if (model == null) return body
            val open = body.indexOf('{')
            if (open < 0) return body
            val rest = body.substring(open + 1).trimStart()
            val comma = if (rest.startsWith("}")) "" else ","
            return "{\"model\":\"" + model.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" + comma + rest
        }

        companion object {
            fun of(request: Request): Endpoint? {
                val url = request.url()
                val host = url.host()
                val path = url.encodedPath()
                val google = if (host.endsWith("aiplatform.googleapis.com")) "gcp.vertex_ai" else "gcp.gemini"
                GEMINI.find(path)?.let { m ->
                    val model = m.groupValues[1].substringAfterLast('/')
                    return when (m.groupValues[2]) {
                        "generateContent" -> Endpoint(google, "generate_content", false, model)
                        "streamGenerateContent" -> Endpoint(google, "generate_content", true, model)
                        "embedContent", "batchEmbedContents" -> Endpoint(google, "embed_content", false, model)
                        else -> null
                    }
                }
                val openai = if (host.endsWith(".openai.azure.com")) "azure.ai.openai" else "openai"
                return when {
                    path.endsWith("/v1/messages/count_tokens") -> Endpoint("anthropic", "count_tokens", false, null)
                    path.endsWith("/v1/messages") -> Endpoint("anthropic", "messages", false, null)
                    path.endsWith("/chat/completions") -> Endpoint(openai, "chat_completions", false, null)
                    path.endsWith("/responses") -> Endpoint(openai, "responses", false, null)
                    path.endsWith("/embeddings") -> Endpoint(openai, "embeddings", false, null)
                    else -> null
                }
            }
        }
    }

    companion object {
        /** Bodies beyond this are not read for the span (the caller still gets all of it). */
        private const val MAX_BODY = 16L * 1024 * 1024
        private val STREAM_FLAG = Regex("\"stream\"\\s*:\\s*true")
        private val GEMINI = Regex("/models/([^/:]+(?:/[^/:]+)*):(\\w+)$")

        /** llmtel's own failure never reaches the caller's call. */
        private inline fun <T> quietly(f: () -> T): T? = try {
            f()
        } catch (e: Exception) {
            null
        }
    }
}
