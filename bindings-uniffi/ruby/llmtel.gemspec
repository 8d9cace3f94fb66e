# frozen_string_literal: true

# The llmtel gem: the generated binding (lib/llmtel/native.rb), the Ruby layer (lib/llmtel.rb)
# and the core's library beside them (`make ruby` copies it into lib/llmtel/ first).
Gem::Specification.new do |spec|
  spec.name = 'llmtel'
  spec.version = File.read(File.expand_path('../../Cargo.toml', __dir__))[/^version = "(.+)"/, 1]
  spec.summary = 'See what your LLM calls do: OpenTelemetry GenAI spans to Sentry, OTLP or a local spool'
  spec.license = 'MIT'
  spec.authors = ['llmtel']
  spec.homepage = 'https://github.com/llmtel/llmtel'
  spec.required_ruby_version = '>= 3.1'
  spec.files = Dir['lib/**/*.rb'] + Dir['lib/llmtel/*.{so,dylib,dll}']
  spec.add_dependency 'ffi', '>= 1.15'
end
