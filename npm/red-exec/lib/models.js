// Which endpoint and key a model name means. The core knows model names and prices
// (knownModels()); where each provider lives and which variable holds its key is ours.

import { ConfigError } from './errors.js';
import { checkBaseUrl } from './args.js';

export const DEFAULT_MODEL = 'deepseek-chat';

export const PROVIDERS = Object.freeze({
  deepseek: { label: 'DeepSeek', keyEnv: 'DEEPSEEK_API_KEY', baseUrl: 'https://api.deepseek.com/v1' },
  openai: { label: 'OpenAI', keyEnv: 'OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1' },
});

function envValue(env, name) {
  const v = env[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * Decide model, endpoint and key.
 * Returns { model, mode: 'http'|'replay', baseUrl, apiKey, keyEnv }.
 * Throws ConfigError (unknown model, missing key) or UsageError (bad RED_EXEC_BASE_URL).
 */
/** Every environment variable that may hold a model key: kept out of the check's environment and redacted. */
export const KEY_VARIABLES = Object.freeze([...Object.values(PROVIDERS).map((p) => p.keyEnv), 'RED_EXEC_API_KEY']);

export function resolveModel(options, env, known) {
  const model = options.model ?? envValue(env, 'LLM_MODEL') ?? DEFAULT_MODEL;
  if (options.replay !== undefined) {
    return { model, mode: 'replay', baseUrl: null, apiKey: null, keyEnv: null };
  }

  const envBase = envValue(env, 'RED_EXEC_BASE_URL');
  const baseUrl = options.baseUrl ?? (envBase !== undefined ? checkBaseUrl(envBase, 'RED_EXEC_BASE_URL') : undefined);
  const entry = Object.prototype.hasOwnProperty.call(known, model) ? known[model] : undefined;
  const provider = entry ? PROVIDERS[entry.provider] : undefined;

  if (baseUrl !== undefined) {
    // Any OpenAI-compatible server: any model name, the key is optional.
    const apiKey = envValue(env, 'RED_EXEC_API_KEY') ?? (provider ? envValue(env, provider.keyEnv) : undefined) ?? null;
    return { model, mode: 'http', baseUrl, apiKey, keyEnv: null };
  }

  if (!entry) {
    const names = Object.keys(known).sort().join(', ');
    throw new ConfigError(
      `unknown model "${model}"; known models: ${names} (for another OpenAI-compatible server pass --base-url)`,
    );
  }
  if (!provider) {
    throw new ConfigError(`model "${model}" belongs to provider "${entry.provider}", which this CLI cannot reach without --base-url`);
  }
  const apiKey = envValue(env, provider.keyEnv);
  if (apiKey === undefined) {
    throw new ConfigError(`${provider.keyEnv} is not set: model ${model} needs a ${provider.label} API key (or pass --base-url for a local server)`);
  }
  return { model, mode: 'http', baseUrl: provider.baseUrl, apiKey, keyEnv: provider.keyEnv };
}
