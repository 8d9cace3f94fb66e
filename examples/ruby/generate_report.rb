# frozen_string_literal: true

# 'Generate Report' in Ruby: one span around two model calls made with Net::HTTP, each recorded
# with Llmtel.record_call (an OpenAI chat, an Anthropic message). With OPENAI_API_KEY /
# ANTHROPIC_API_KEY set, the calls go to the real APIs; without one, to LLMTEL_DEMO_PROVIDER_URL
# (the loopback server `make demo` starts). Run with `GEM_HOME=target/uniffi/gems ruby
# examples/ruby/generate_report.rb` after `make ruby`.
require 'json'
require 'net/http'
require 'llmtel'

Llmtel.init(traces_sample_rate: 1.0) # no dsn, otlp_endpoint or spotlight: .llmtel/spans.jsonl

def target(key_var, real, scenario, path)
  key = ENV.fetch(key_var, '')
  return [URI("#{real}#{path}"), key] unless key.empty?

  base = ENV.fetch('LLMTEL_DEMO_PROVIDER_URL') { abort "set #{key_var}, or LLMTEL_DEMO_PROVIDER_URL to a loopback provider server" }
  [URI("#{base}/#{scenario}#{path}"), 'loopback']
end

def post(uri, headers, body)
  response = Net::HTTP.post(uri, body, { 'Content-Type' => 'application/json' }.merge(headers))
  response.value # raises for a 4xx / 5xx: the span records it
  response.body
end

Llmtel.start_span(name: 'Generate Report', op: 'ai.task', attributes: { 'report.kind' => 'weekly', 'host' => 'ruby' }) do
  uri, key = target('OPENAI_API_KEY', 'https://api.openai.com', 'openai_chat_plain', '/v1/chat/completions')
  body = JSON.generate(model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello world' }])
  Llmtel.record_call(provider: 'openai', api: 'chat_completions', request: body, server_address: uri.host, server_port: uri.port) do
    post(uri, { 'Authorization' => "Bearer #{key}" }, body)
  end

  uri, key = target('ANTHROPIC_API_KEY', 'https://api.anthropic.com', 'anthropic_text', '/v1/messages')
  body = JSON.generate(model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, Claude' }])
  Llmtel.record_call(provider: 'anthropic', api: 'messages', request: body, server_address: uri.host, server_port: uri.port) do
    post(uri, { 'x-api-key' => key, 'anthropic-version' => '2023-06-01' }, body)
  end
end
Llmtel.close
puts 'Ruby: Generate Report recorded (2 calls through Net::HTTP)'
