# frozen_string_literal: true

# The Ruby face of llmtel: `Llmtel.init(dsn: ...)`, `Llmtel.start_span(name:, op:) { |span| ... }`.
# Everything else is the generated binding (lib/llmtel/native.rb, from the core's facade by
# `make uniffi`): Llmtel::Client, Llmtel::Span, Llmtel::GenAiCall, Llmtel::Run, the specs and
# Llmtel::LlmtelError::* (each with `code`, `field` and `reason`).
require_relative 'llmtel/native'

module Llmtel
  # Options `init` names as keywords; any other README option goes through `**options`.
  NAMED_OPTIONS = %i[dsn spool traces_sample_rate send_default_pii environment release otlp_endpoint spotlight debug].freeze

  class << self
    attr_reader :client

    # Starts llmtel (closing a client an earlier `init` started). `before_send_span` gets each
    # finished span as a Hash (`:name`, `:op`, `:attributes`, ...) and returns it, edited or not,
    # or nil to drop it; `traces_sampler` gets Sentry's sampling context and returns a rate.
    # Bad options raise Llmtel::LlmtelError::InvalidOption.
    def init(before_send_span: nil, traces_sampler: nil, **options)
      # nil is unset (the environment's value, or the default), as an option left out.
      names = options.compact.to_h { |name, value| [name.to_s, value.to_s] }
      names['sdk_name'] = 'llmtel.ruby'
      names['sdk_language'] = 'ruby'
      hook = before_send_span && HookAdapter.new(before_send_span)
      sampler = traces_sampler && SamplerAdapter.new(traces_sampler)
      fresh = Client.new(names, hook, sampler)
      @client&.close(2000)
      @send_default_pii = options[:send_default_pii] == true
      @client = fresh
    end

    def send_default_pii?
      @send_default_pii == true
    end

    # The context of the span the current fiber is inside, or nil.
    def active_context
      Thread.current[:llmtel_context]
    end

    # Runs the block inside a new span, a child of the current one; the span ends when the
    # block returns, with status `error` when it raises (the error is re-raised). Before `init`
    # the block runs with a nil span.
    def start_span(name:, op: nil, attributes: {})
      span = begin
        @client&.start_span(SpanSpec.new(name: name, op: op), active_context)
      rescue StandardError
        nil # llmtel never breaks the caller's own work
      end
      attributes.each { |key, value| set_attribute(span, key, value) } if span
      outer = active_context
      Thread.current[:llmtel_context] = span.context if span
      begin
        yield span
      rescue Exception => e # rubocop:disable Lint/RescueException -- re-raised
        span&.set_status('error', e.message)
        raise
      ensure
        Thread.current[:llmtel_context] = outer
        span&.end
      end
    end

    # Records one provider call: the block sends `request` (the body as JSON text) and returns
    # the response body; the span is a child of the current one and records content when
    # `send_default_pii` is on (or as `record_inputs` / `record_outputs` say). A block that
    # raises fails the call (an exception carrying an HTTP `response`, as Net::HTTP's `value`
    # raises, with that status and body) and the error is re-raised. Returns the block's value.
    def record_call(provider:, api:, request:, stream: false, server_address: nil, server_port: nil,
                    record_inputs: send_default_pii?, record_outputs: send_default_pii?)
      call = begin
        @client&.call(CallSpec.new(provider: provider, api: api, request: request, stream: stream,
                                   server_address: server_address, server_port: server_port,
                                   record_inputs: record_inputs, record_outputs: record_outputs), active_context)
      rescue StandardError
        nil # llmtel never breaks the caller's own call
      end
      begin
        body = yield call
      rescue Exception => e # rubocop:disable Lint/RescueException -- re-raised
        quietly { call&.fail(failure(e)) }
        raise
      end
      quietly { call.finish(body.to_s) } if call && !call.is_ended
      body
    end

    # Sets a Ruby value as an attribute (String, Integer, Float, true/false, or an Array of one
    # of them); returns false for a value without an attribute form.
    def set_attribute(span, key, value)
      attribute = Llmtel.attribute_value(value)
      return false unless attribute

      span.set_attribute(key.to_s, attribute)
      true
    end

    # Waits until what ended so far was exported; raises LlmtelError::Timeout past the timeout.
    def flush(timeout_ms = 2000)
      @client&.flush(timeout_ms)
    end

    # Exports what is queued and stops the flush thread.
    def close(timeout_ms = 2000)
      @client&.close(timeout_ms)
      @client = nil
    end

    def attribute_value(value)
      case value
      when String then AttributeValue::STRING.new(value: value)
      when Integer then AttributeValue::INT.new(value: value)
      when Float then AttributeValue::DOUBLE.new(value: value)
      when true, false then AttributeValue::BOOL.new(value: value)
      when Array
        if value.all?(String) then AttributeValue::STRING_ARRAY.new(value: value)
        elsif value.all?(Integer) then AttributeValue::INT_ARRAY.new(value: value)
        elsif value.all?(Float) then AttributeValue::DOUBLE_ARRAY.new(value: value)
        elsif value.all? { |v| [true, false].include?(v) } then AttributeValue::BOOL_ARRAY.new(value: value)
        end
      end
    end

    private

    def failure(error)
      response = error.respond_to?(:response) ? error.response : nil
      if response.respond_to?(:code) && response.respond_to?(:body)
        FailSpec.new(http_status: response.code.to_i, body: response.body.to_s, exception: error.class.name)
      else
        FailSpec.new(exception: error.class.name, message: error.message)
      end
    end

    def quietly
      yield
    rescue StandardError
      nil
    end
  end

  # When a client with a hook is garbage-collected, its finalizer frees the hook's handle
  # through the generated handle map, whose Monitor Ruby refuses there ("can't be called from
  # trap context"): the handle would leak with a warning. A finalizer holds the GVL, under which
  # one Hash#delete is atomic, so that is how the handle goes then.
  module FinalizerSafeRemove
    def remove(handle)
      super
    rescue ThreadError
      @map.delete(handle)
    end
  end
  UniffiHandleMap.prepend(FinalizerSafeRemove)

  # before_send_span as the generated callback interface: a Hash in, a Hash (or nil) out.
  class HookAdapter
    def initialize(hook)
      @hook = hook
    end

    def before_send_span(view)
      span = {
        name: view.name, op: view.op, origin: view.origin, trace_id: view.trace_id,
        span_id: view.span_id, parent_span_id: view.parent_span_id, status: view.status,
        attributes: view.attributes.transform_values(&:value)
      }
      kept = @hook.call(span)
      return nil unless kept.is_a?(Hash)

      attributes = (kept[:attributes] || {}).filter_map do |key, value|
        attribute = Llmtel.attribute_value(value)
        [key.to_s, attribute] if attribute
      end.to_h
      SpanView.new(name: kept[:name].to_s, op: kept[:op], origin: view.origin, trace_id: view.trace_id,
                   span_id: view.span_id, parent_span_id: view.parent_span_id, status: view.status,
                   attributes: attributes)
    end
  end

  # traces_sampler as the generated callback interface: Sentry's sampling context as a Hash.
  class SamplerAdapter
    def initialize(sampler)
      @sampler = sampler
    end

    def sample(context)
      decided = @sampler.call({ name: context.name, op: context.op, parent_sampled: context.parent_sampled,
                                attributes: context.attributes.transform_values(&:value) })
      case decided
      when true then 1.0
      when false then 0.0
      when Numeric then decided.to_f
      end
    end
  end
end
