/**
 * What makes an OpenAI-compatible service differ from OpenAI's own API, as data: where it is, and
 * which body fields it refuses or needs changed. A preset is applied to the body the adapter built
 * (and to `providerOptions` merged into it), so a field a service rejects never reaches it.
 */
export interface PresetRules {
  /** The API root. */
  baseURL: string;
  /**
   * A local server that needs no key: a catalog key whose secret is `none` sends no
   * `Authorization` header (any other secret is sent, for servers started with an API key).
   */
  keyless?: boolean;
  /** Body fields the service refuses; removed, each with a `field_dropped` warning. */
  dropFields?: readonly string[];
  /** Fields of `messages[]` entries the service refuses; removed. */
  dropMessageFields?: readonly string[];
  /** Body fields the service only accepts at one value; set to it when the body has them. */
  pinFields?: Readonly<Record<string, unknown>>;
  /**
   * Send the model's own `reasoning_content` back on assistant turns that made tool calls
   * (DeepSeek's thinking mode needs it within a tool-use loop; other turns leave it out).
   */
  reasoningOnToolCalls?: boolean;
  /** Override of `streamUsage` for services that refuse `stream_options`. */
  streamUsage?: boolean;
  /** Tool-call ids the service accepts; others are mapped (stably) to that shape. */
  toolCallIds?: 'alnum9';
}

export type PresetName =
  | 'groq'
  | 'deepseek'
  | 'mistral'
  | 'xai'
  | 'openrouter'
  | 'together'
  | 'fireworks'
  | 'vllm'
  | 'ollama'
  | 'llamacpp';

export const PRESETS: Readonly<Record<PresetName, PresetRules>> = {
  // Groq: https://console.groq.com/docs/openai — unsupported fields are refused with a 400.
  groq: {
    baseURL: 'https://api.groq.com/openai/v1',
    dropFields: ['logprobs', 'logit_bias', 'top_logprobs'],
    dropMessageFields: ['name'],
    pinFields: { n: 1 },
  },
  deepseek: { baseURL: 'https://api.deepseek.com/v1', reasoningOnToolCalls: true },
  // Mistral refuses tool-call ids that are not 9 letters and digits, and unknown fields such as `user`.
  mistral: {
    baseURL: 'https://api.mistral.ai/v1',
    dropFields: ['user', 'stream_options'],
    toolCallIds: 'alnum9',
    streamUsage: false,
  },
  xai: { baseURL: 'https://api.x.ai/v1' },
  // OpenRouter: pass routing preferences as `provider` (providerOptions or the adapter's `body`).
  openrouter: { baseURL: 'https://openrouter.ai/api/v1' },
  together: { baseURL: 'https://api.together.xyz/v1' },
  fireworks: { baseURL: 'https://api.fireworks.ai/inference/v1' },
  vllm: { baseURL: 'http://localhost:8000/v1', keyless: true },
  ollama: { baseURL: 'http://localhost:11434/v1', keyless: true },
  llamacpp: { baseURL: 'http://localhost:8080/v1', keyless: true },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
