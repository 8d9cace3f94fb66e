// The page the browser suite bundles (with esbuild, for the `browser` condition): llmtel from
// the bare `llmtel` import, and the real provider SDKs. The test calls window.runScenario.
import * as llmtel from 'llmtel';
import OpenAI, { AzureOpenAI } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { drive } from './drive.mjs';

const sdks = { OpenAI, AzureOpenAI, Anthropic, GoogleGenAI };

window.llmtel = llmtel;

/** init() with `options`, the scenario through its SDK, then flush(). */
window.runScenario = async (scenario, url, options) => {
  llmtel.init(options);
  const outcome = await drive(sdks, llmtel, scenario, url);
  const flushed = await llmtel.flush(5000);
  return { outcome, flushed };
};
