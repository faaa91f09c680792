// Which endpoint and key a model name means. The core knows model names and prices
// (knownModels()); where each provider lives and which variable holds its key is ours.
//
// A key only goes where it belongs: a provider's key to that provider's own host (or, for
// OPENAI_API_KEY, the server OPENAI_BASE_URL names, as the OpenAI SDKs read it), and
// RED_EXEC_API_KEY to the server the user named (--base-url, RED_EXEC_BASE_URL, the user's own
// config file). A base URL from the repository's .red-exec.json gets no key from the environment
// unless it is the provider's own host: a repository must not be able to send the user's key
// to a server of its choosing.

import { ConfigError } from './errors.js';
import { checkBaseUrl, DEFAULT_MODEL } from './args.js';

export { DEFAULT_MODEL };

export const PROVIDERS = Object.freeze({
  deepseek: { label: 'DeepSeek', keyEnv: 'DEEPSEEK_API_KEY', baseUrl: 'https://api.deepseek.com/v1' },
  openai: { label: 'OpenAI', keyEnv: 'OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1' },
});

/** Every environment variable that may hold a model key: kept out of the check's environment and redacted. */
export const KEY_VARIABLES = Object.freeze([...Object.values(PROVIDERS).map((p) => p.keyEnv), 'RED_EXEC_API_KEY']);

function envValue(env, name) {
  const v = env[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * The base URL to use and who chose it: 'flag', 'env' (RED_EXEC_BASE_URL), 'openai-env'
 * (OPENAI_BASE_URL), 'project' or 'user' (a config file); undefined when none did.
 * Throws UsageError for a bad variable.
 */
function chooseBaseUrl(options, env) {
  if (options.baseUrl !== undefined) return { url: options.baseUrl, source: 'flag', where: '--base-url' };
  for (const [name, source] of [['RED_EXEC_BASE_URL', 'env'], ['OPENAI_BASE_URL', 'openai-env']]) {
    const v = envValue(env, name);
    if (v !== undefined) return { url: checkBaseUrl(v, name), source, where: name };
  }
  const file = options.configured?.baseUrl;
  if (file) return { url: file.value, source: file.source, where: file.label };
  return undefined;
}

/**
 * The key for `base`, and the variable it came from: { apiKey, keyEnv, withheld }.
 * `withheld` names a key that is set but was not sent (a repository's base URL).
 */
function keyFor(base, env) {
  const origin = originOf(base.url);
  const candidates = [];
  if (base.source === 'openai-env') candidates.push('OPENAI_API_KEY');
  else if (base.source !== 'project') candidates.push('RED_EXEC_API_KEY');
  // The same host as the one the variable belongs to: that key is at home there.
  const openaiBase = envValue(env, 'OPENAI_BASE_URL');
  if (openaiBase !== undefined && originOf(openaiBase) === origin) candidates.push('OPENAI_API_KEY');
  for (const p of Object.values(PROVIDERS)) if (originOf(p.baseUrl) === origin) candidates.push(p.keyEnv);
  for (const name of candidates) {
    const apiKey = envValue(env, name);
    if (apiKey !== undefined) return { apiKey, keyEnv: name, withheld: null };
  }
  const withheld = base.source === 'project' && envValue(env, 'RED_EXEC_API_KEY') !== undefined ? 'RED_EXEC_API_KEY' : null;
  return { apiKey: null, keyEnv: null, withheld };
}

/**
 * Decide model, endpoint and key.
 * Returns { model, modelSource, mode: 'http'|'replay', baseUrl, baseUrlSource, apiKey, keyEnv, notice }
 * (notice: a line worth telling the user, or null).
 * Throws ConfigError (unknown model, missing key) or UsageError (a bad *_BASE_URL variable).
 */
export function resolveModel(options, env, known) {
  const fileModel = options.configured?.model;
  const [model, modelSource] =
    options.model !== undefined
      ? [options.model, 'flag']
      : envValue(env, 'LLM_MODEL') !== undefined
        ? [envValue(env, 'LLM_MODEL'), 'env']
        : fileModel
          ? [fileModel.value, fileModel.source]
          : [DEFAULT_MODEL, 'default'];
  if (options.replay !== undefined) {
    return { model, modelSource, mode: 'replay', baseUrl: null, baseUrlSource: null, apiKey: null, keyEnv: null, notice: null };
  }

  const base = chooseBaseUrl(options, env);
  if (base !== undefined) {
    // Any OpenAI-compatible server: any model name, the key is optional.
    const { apiKey, keyEnv, withheld } = keyFor(base, env);
    const notice = withheld
      ? `${withheld} is not sent to ${base.url}: that base URL comes from ${base.where}, a repository file (pass --base-url or set RED_EXEC_BASE_URL to send it)`
      : null;
    return { model, modelSource, mode: 'http', baseUrl: base.url, baseUrlSource: base.source, apiKey, keyEnv, notice };
  }

  const entry = Object.prototype.hasOwnProperty.call(known, model) ? known[model] : undefined;
  if (!entry) {
    const names = Object.keys(known).sort().join(', ');
    throw new ConfigError(
      `unknown model "${model}"; known models: ${names} (for another OpenAI-compatible server pass --base-url)`,
    );
  }
  const provider = PROVIDERS[entry.provider];
  if (!provider) {
    throw new ConfigError(`model "${model}" belongs to provider "${entry.provider}", which this CLI cannot reach without --base-url`);
  }
  const apiKey = envValue(env, provider.keyEnv);
  if (apiKey === undefined) {
    throw new ConfigError(`${provider.keyEnv} is not set: model ${model} needs a ${provider.label} API key (or pass --base-url for a local server)`);
  }
  return { model, modelSource, mode: 'http', baseUrl: provider.baseUrl, baseUrlSource: 'provider', apiKey, keyEnv: provider.keyEnv, notice: null };
}
