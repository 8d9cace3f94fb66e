// Drives shared scenarios through the Kotlin binding, for tests/uniffi/test_uniffi_scenarios.py:
// each argument is a folder tests/scenario_inputs.py filled (inputs.txt, request.json,
// response); the call's span goes to that folder's spans.jsonl, which the test compares with
// the scenario's expected span. Exits non-zero when any binding call failed.
package dev.llmtel

import java.io.File
import kotlin.system.exitProcess

fun main(args: Array<String>) {
    var failures = 0
    for (path in args) {
        val dir = File(path)
        try {
            runScenario(dir)
        } catch (e: LlmtelException) {
            System.err.println("${dir.name}: $e")
            failures++
        }
    }
    exitProcess(if (failures == 0) 0 else 1)
}

private fun runScenario(dir: File) {
    val inputs = File(dir, "inputs.txt").readLines().filter { it.isNotEmpty() }
        .associate { it.substringBefore('=') to it.substringAfter('=') }
    val client = Client(
        mapOf(
            "spool" to File(dir, "spans.jsonl").path,
            "dsn" to "",
            "content_format" to inputs.getValue("content_format"),
            "max_content_bytes" to inputs.getValue("max_content_bytes"),
        ),
    )
    val response = File(dir, "response").readText()
    val call = client.call(
        CallSpec(
            provider = inputs.getValue("provider"),
            api = inputs.getValue("api"),
            request = File(dir, "request.json").readText(),
            serverAddress = inputs.getValue("server_address").ifEmpty { null },
            serverPort = inputs.getValue("server_port").toInt().takeIf { it != 0 }?.toUShort(),
            recordInputs = inputs["record_inputs"] == "1",
            recordOutputs = inputs["record_outputs"] == "1",
            stream = inputs["stream"] == "1",
        ),
    )
    when (inputs["kind"]) {
        "events" -> {
            response.lineSequence().filter { '\t' in it }.forEach { line ->
                call.chunk(line.substringAfter('\t'), line.substringBefore('\t').ifEmpty { null })
            }
            call.finishStream()
        }
        "error" -> call.fail(FailSpec(httpStatus = inputs.getValue("status").toUShort(), body = response))
        else -> call.finish(response)
    }
    client.close(5000u)
}
