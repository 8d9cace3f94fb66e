# frozen_string_literal: true

# Drives shared scenarios through the Ruby binding, for tests/uniffi/test_uniffi_scenarios.py:
# each argument is a folder tests/scenario_inputs.py filled (inputs.txt, request.json,
# response); the call's span goes to that folder's spans.jsonl, which the test compares with
# the scenario's expected span. Exits non-zero when any binding call failed.
require_relative '../lib/llmtel'

def run_scenario(dir)
  inputs = File.readlines(File.join(dir, 'inputs.txt'), chomp: true).reject(&:empty?).to_h { |l| l.split('=', 2) }
  client = Llmtel::Client.new({ 'spool' => File.join(dir, 'spans.jsonl'), 'dsn' => '',
                                'content_format' => inputs['content_format'],
                                'max_content_bytes' => inputs['max_content_bytes'] })
  response = File.read(File.join(dir, 'response'))
  port = inputs['server_port'].to_i
  call = client.call(Llmtel::CallSpec.new(
                       provider: inputs['provider'], api: inputs['api'],
                       request: File.read(File.join(dir, 'request.json')),
                       server_address: inputs['server_address'].empty? ? nil : inputs['server_address'],
                       server_port: port.zero? ? nil : port,
                       record_inputs: inputs['record_inputs'] == '1', record_outputs: inputs['record_outputs'] == '1',
                       stream: inputs['stream'] == '1'
                     ))
  case inputs['kind']
  when 'events'
    response.each_line(chomp: true) do |line|
      event, data = line.split("\t", 2)
      call.chunk(data, event.empty? ? nil : event) if data
    end
    call.finish_stream
  when 'error'
    call.fail(Llmtel::FailSpec.new(http_status: inputs['status'].to_i, body: response))
  else
    call.finish(response)
  end
  client.close(5000)
end

failures = 0
ARGV.each do |dir|
  run_scenario(dir)
rescue StandardError => e
  warn "#{File.basename(dir)}: #{e}"
  failures += 1
end
exit(failures.zero? ? 0 : 1)
