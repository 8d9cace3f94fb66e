# frozen_string_literal: true

# The Ruby binding's suite: the facade through the generated code and the idiomatic layer
# (Llmtel.init / Llmtel.start_span). The shared scenarios run through test/scenario_runner.rb,
# checked by tests/uniffi/test_uniffi_scenarios.py.
require 'minitest/autorun'
require 'json'
require 'net/http'
require 'tmpdir'
require_relative '../lib/llmtel'

class LlmtelTest < Minitest::Test
  def setup
    @dir = Dir.mktmpdir('llmtel-ruby')
    @spool = File.join(@dir, 'spans.jsonl')
  end

  def teardown
    Llmtel.close
    FileUtils.remove_entry(@dir)
  end

  def spans
    File.exist?(@spool) ? File.readlines(@spool).map { |l| JSON.parse(l) } : []
  end

  def named(name)
    spans.find { |s| s['name'] == name } || flunk("no span named #{name} in #{spans.map { |s| s['name'] }}")
  end

  def client(hook = nil, sampler = nil)
    Llmtel::Client.new({ 'spool' => @spool, 'dsn' => '' }, hook, sampler)
  end

  def test_start_span_nests_records_attributes_and_marks_a_raising_block
    Llmtel.init(spool: @spool, dsn: '')
    result = Llmtel.start_span(name: 'outer', op: 'ai.task', attributes: { temperature: 1.0, turns: 3, tags: %w[a b] }) do
      Llmtel.start_span(name: 'inner') { 42 }
    end
    assert_equal 42, result
    assert_raises(RuntimeError) { Llmtel.start_span(name: 'fails') { raise 'boom' } }
    Llmtel.close
    outer = named('outer')
    assert_equal outer['span_id'], named('inner')['parent_span_id']
    assert_equal({ 'temperature' => 1.0, 'turns' => 3, 'tags' => %w[a b] }, outer['attributes'])
    assert_kind_of Float, outer['attributes']['temperature']
    assert_equal 'error', named('fails')['status']
    assert_nil Llmtel.active_context
  end

  def test_a_nil_option_is_unset_so_the_environment_still_applies
    ENV['LLMTEL_SPOOL'] = @spool
    Llmtel.init(spool: nil, dsn: nil)
    Llmtel.start_span(name: 'from the environment') {}
    Llmtel.close
    assert_equal ['from the environment'], spans.map { |s| s['name'] }
  ensure
    ENV.delete('LLMTEL_SPOOL')
  end

  def test_start_span_before_init_runs_the_block_without_a_span
    assert_equal :ran, Llmtel.start_span(name: 'no client') { |span| span.nil? ? :ran : :traced }
  end

  def test_errors_carry_their_stable_code_field_and_reason
    error = assert_raises(Llmtel::LlmtelError::InvalidOption) { Llmtel.init(dsnn: '') }
    assert_equal 'invalid_option', error.code
    assert_equal 'dsnn', error.field
    assert_match(/did you mean `dsn`/, error.reason)
    c = client
    span = c.start_span(Llmtel::SpanSpec.new(name: 'once'))
    span.end
    assert_equal 'already_ended', assert_raises(Llmtel::LlmtelError::AlreadyEnded) { span.end }.code
    spec = Llmtel::CallSpec.new(provider: 'mistral', api: 'chat_completions', request: '{}')
    assert_equal 'unknown_provider', assert_raises(Llmtel::LlmtelError::UnknownProvider) { c.call(spec) }.code
    c.close(5000)
  end

  def test_before_send_span_edits_and_drops_and_a_raising_hook_drops
    hook = lambda do |span|
      raise 'hook bug' if span[:name] == 'raise'
      next nil if span[:name] == 'drop'

      span.merge(name: span[:name].upcase, attributes: span[:attributes].merge('edited' => true))
    end
    Llmtel.init(spool: @spool, dsn: '', before_send_span: hook)
    %w[keep drop raise].each { |name| Llmtel.start_span(name: name) {} }
    Llmtel.flush
    assert_equal({ 'before_send' => 2 }, Llmtel.client.stats.dropped)
    Llmtel.close
    assert_equal [['KEEP', { 'edited' => true }]], spans.map { |s| [s['name'], s['attributes']] }
  end

  def test_traces_sampler_decides_per_root
    Llmtel.init(spool: @spool, dsn: '', traces_sampler: ->(context) { context[:name] == 'keep' })
    %w[keep skip].each { |name| Llmtel.start_span(name: name) { Llmtel.start_span(name: "#{name} child") {} } }
    Llmtel.close
    assert_equal ['keep', 'keep child'], spans.map { |s| s['name'] }.sort
  end

  def test_a_call_an_agent_and_a_tool_nest_under_the_users_span
    c = client
    root = c.start_span(Llmtel::SpanSpec.new(name: 'root'))
    agent = c.agent('{"name": "weather", "model": "gpt-4o"}', Llmtel::Placement.new, root.context)
    call = c.call(Llmtel::CallSpec.new(provider: 'openai', api: 'chat_completions',
                                       request: '{"model": "gpt-4o", "messages": []}'), agent.context)
    call.finish('{"id": "c1", "model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}')
    tool = c.tool('{"name": "get_weather", "call_id": "t1"}', Llmtel::Placement.new, agent.context)
    tool.fail('ValueError', 'no such city')
    agent.end
    root.end
    c.close(5000)
    agent_span = named('invoke_agent weather')
    assert_equal named('root')['span_id'], agent_span['parent_span_id']
    assert_equal agent_span['span_id'], named('chat gpt-4o')['parent_span_id']
    assert_equal 'ValueError', named('execute_tool get_weather')['attributes']['error.type']
    assert_equal 7, agent_span['attributes']['gen_ai.usage.input_tokens']
  end

  def test_continue_trace_joins_the_callers_trace
    c = client
    incoming = c.continue_trace({ 'Traceparent' => '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })
    span = c.start_span(Llmtel::SpanSpec.new(name: 'handler'), incoming)
    assert_match(/\A00-0af7651916cd43dd8448eb211c80319c-/, c.trace_data(span.context).traceparent)
    span.end
    assert_nil c.continue_trace({ 'accept' => '*/*' })
    c.close(5000)
    assert_equal 'b7ad6b7169203331', named('handler')['parent_span_id']
  end

  def test_many_threads_record_through_one_client
    c = Llmtel::Client.new({ 'spool' => @spool, 'dsn' => '', 'queue_capacity' => '10000' })
    8.times.map do |t|
      Thread.new { 50.times { |i| c.start_span(Llmtel::SpanSpec.new(name: "t#{t}-#{i}")).end } }
    end.each(&:join)
    c.close(10_000)
    assert_equal 400, c.stats.queued
    assert_equal 400, spans.size
  end

  def test_record_call_traces_a_net_http_call_and_a_429_under_the_current_span
    url = ENV.fetch('LLMTEL_PROVIDER_URL') { skip 'LLMTEL_PROVIDER_URL unset: make test-uniffi runs this with the loopback provider' }
    Llmtel.init(spool: @spool, dsn: '', send_default_pii: true)
    body = '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}'
    headers = { 'Content-Type' => 'application/json' }
    answer = Llmtel.start_span(name: 'task') do
      Llmtel.record_call(provider: 'openai', api: 'chat_completions', request: body) do
        Net::HTTP.post(URI("#{url}/openai_chat_plain/v1/chat/completions"), body, headers).body
      end
    end
    assert_includes answer, '"choices"'
    assert_raises(Net::HTTPClientException) do
      Llmtel.record_call(provider: 'openai', api: 'chat_completions', request: body) do
        response = Net::HTTP.post(URI("#{url}/openai_chat_error_429/v1/chat/completions"), body, headers)
        response.value # raises for a 4xx, with the response
        response.body
      end
    end
    Llmtel.close
    chat, limited = spans.select { |s| s['name'] == 'chat gpt-4o-mini' }
    assert_equal named('task')['span_id'], chat['parent_span_id']
    assert_kind_of Integer, chat['attributes']['gen_ai.usage.input_tokens']
    assert chat['attributes'].key?('gen_ai.input.messages'), 'send_default_pii records the prompt'
    assert_equal 'error', limited['status']
    assert_equal 'rate_limit_exceeded', limited['attributes']['error.type']
  end

  def test_the_binding_has_every_operation_the_parity_table_names_for_uniffi
    table = JSON.parse(File.read(File.expand_path('../../../tests/parity/facade.json', __dir__)))
    exists = lambda do |name|
      owner, _, member = name.rpartition('.')
      owner.empty? ? Llmtel.respond_to?(member) : Llmtel.const_get(owner).method_defined?(member)
    end
    rows = table['operations']
    assert_equal [], rows.select { |r| r['uniffi'] && !exists.call(r['uniffi']) }.map { |r| r['op'] }
    assert_equal [], rows.select { |r| r['uniffi'].nil? && r['uniffi_why'].to_s.empty? }.map { |r| r['op'] }
  end

  def test_close_delivers_and_a_closed_client_counts_what_ends_after
    c = client
    c.start_span(Llmtel::SpanSpec.new(name: 'before')).end
    c.close(5000)
    assert c.is_closed
    c.start_span(Llmtel::SpanSpec.new(name: 'after')).end
    assert_equal ['before'], spans.map { |s| s['name'] }
    assert_equal 1, c.stats.dropped['after_close']
  end
end
