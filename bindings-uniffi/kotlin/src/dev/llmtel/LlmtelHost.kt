// The Kotlin face of llmtel, in Sentry Java's shape: `Llmtel.init { it.dsn = "…" }`,
// `Llmtel.startSpan("name", op = "…") { span -> … }`. Everything else is the generated binding
// (generated/dev/llmtel/llmtel.kt, from the core's facade by `make uniffi`).
package dev.llmtel

/** What `Llmtel.init` takes: the README's options by their camelCase names, and the hooks. */
class LlmtelOptions {
    var dsn: String? = null
    var spool: String? = null
    var tracesSampleRate: Double? = null
    var sendDefaultPii: Boolean? = null
    var environment: String? = null
    var release: String? = null
    var otlpEndpoint: String? = null
    var spotlight: String? = null
    var debug: Boolean? = null

    /** Returns the span to send (edited or not), or null to drop it. A hook that throws drops it. */
    var beforeSendSpan: ((SpanView) -> SpanView?)? = null

    /** A rate from 0 to 1 for each new local root, or null for `tracesSampleRate`. */
    var tracesSampler: ((SamplingView) -> Double?)? = null

    private val others = linkedMapOf<String, String>()

    /** Any other option, by the README's name (`max_content_bytes`, `otlp_headers`, …) and text value. */
    fun set(name: String, value: String) {
        others[name] = value
    }

    internal fun toMap(): Map<String, String> {
        val named = linkedMapOf<String, String>()
        dsn?.let { named["dsn"] = it }
        spool?.let { named["spool"] = it }
        tracesSampleRate?.let { named["traces_sample_rate"] = it.toString() }
        sendDefaultPii?.let { named["send_default_pii"] = it.toString() }
        environment?.let { named["environment"] = it }
        release?.let { named["release"] = it }
        otlpEndpoint?.let { named["otlp_endpoint"] = it }
        spotlight?.let { named["spotlight"] = it }
        debug?.let { named["debug"] = it.toString() }
        named.putAll(others)
        named["sdk_name"] = "llmtel.kotlin"
        named["sdk_language"] = "java"
        return named
    }
}

/** The process-wide client and the current span of each thread. */
object Llmtel {
    @Volatile
    var client: Client? = null
        private set

    @Volatile
    internal var sendDefaultPii: Boolean = false
        private set

    private val current = ThreadLocal<Context?>()

    /** Starts llmtel (closing a client an earlier `init` started). Bad options throw `LlmtelException.InvalidOption`. */
    fun init(configure: (LlmtelOptions) -> Unit = {}): Client {
        val options = LlmtelOptions().also(configure)
        val hook = options.beforeSendSpan?.let { f ->
            object : BeforeSendSpan {
                override fun beforeSendSpan(span: SpanView): SpanView? = f(span)
            }
        }
        val sampler = options.tracesSampler?.let { f ->
            object : TracesSampler {
                override fun sample(context: SamplingView): Double? = f(context)
            }
        }
        val fresh = Client(options.toMap(), hook, sampler)
        client?.close(2000u)
        client = fresh
        sendDefaultPii = options.sendDefaultPii ?: false
        return fresh
    }

    /** The span this thread is inside (`startSpan`'s block), or null. */
    fun activeContext(): Context? = current.get()

    /**
     * Runs [block] inside a new span, child of this thread's current span; the span ends when
     * the block returns, with status `error` when it throws. Before `init` the block runs
     * with no span.
     */
    fun <T> startSpan(
        name: String,
        op: String? = null,
        attributes: Map<String, Any> = emptyMap(),
        block: (Span?) -> T,
    ): T {
        val span = try {
            client?.startSpan(SpanSpec(name = name, op = op), current.get())?.also { span ->
                attributes.forEach { (key, value) -> attributeValue(value)?.let { span.setAttribute(key, it) } }
            }
        } catch (e: LlmtelException) {
            null // llmtel never breaks the caller's own work
        }
        val outer = current.get()
        span?.let { current.set(it.context()) }
        try {
            return block(span)
        } catch (e: Throwable) {
            runCatching { span?.setStatus("error", e.message) }
            throw e
        } finally {
            current.set(outer)
            runCatching { span?.end() }
        }
    }

    /** Waits until what ended so far was exported; throws `LlmtelException.Timeout` past [timeoutMs]. */
    fun flush(timeoutMs: Long = 2000) {
        client?.flush(timeoutMs.toUInt())
    }

    /** Exports what is queued and stops the flush thread. */
    fun close(timeoutMs: Long = 2000) {
        client?.close(timeoutMs.toUInt())
        client = null
    }
}

/** Sets a Kotlin value (see [attributeValue]) as an attribute; false when it has no attribute form. */
fun Span.setAttribute(key: String, value: Any): Boolean {
    val attribute = attributeValue(value) ?: return false
    setAttribute(key, attribute)
    return true
}

/** A Kotlin value as an attribute: strings, whole numbers, doubles, booleans and lists of one of them. */
fun attributeValue(value: Any): AttributeValue? = when (value) {
    is String -> AttributeValue.String(value)
    is Int -> AttributeValue.Int(value.toLong())
    is Long -> AttributeValue.Int(value)
    is Float -> AttributeValue.Double(value.toDouble())
    is Double -> AttributeValue.Double(value)
    is Boolean -> AttributeValue.Bool(value)
    is List<*> -> when {
        value.all { it is String } -> AttributeValue.StringArray(value.map { it as String })
        value.all { it is Int || it is Long } -> AttributeValue.IntArray(value.map { (it as Number).toLong() })
        value.all { it is Double || it is Float } -> AttributeValue.DoubleArray(value.map { (it as Number).toDouble() })
        value.all { it is Boolean } -> AttributeValue.BoolArray(value.map { it as Boolean })
        else -> null
    }
    else -> null
}
