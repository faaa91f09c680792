// Keeps the API key out of everything red-exec prints or logs: the terminal, the run log, the
// report, the violation log, debug bundles, error text. Never applied to file content (what the
// run writes is the model's answer, byte for byte) and never to a value that is no secret.

/**
 * Whether `value` can be a secret worth masking: at least 8 characters, with a digit or with both
 * upper- and lower-case letters. Real keys are long random strings (sk-... with 32+ hex digits or
 * base62): they pass. The dummy keys local servers document (`ollama`, `lm-studio`, `EMPTY`,
 * `none`, `not-needed`, `sk-no-key-required`, `sk-test`) do not, and masking one would turn every
 * such word in the output into ***.
 */
export function looksSecret(value) {
  if (typeof value !== 'string') return false;
  const v = value.trim();
  return v.length >= 8 && (/\d/.test(v) || (/[a-z]/.test(v) && /[A-Z]/.test(v)));
}

/** Returns a function that replaces every occurrence of `secret` (raw, JSON-escaped or URL-encoded) by ***. */
export function makeRedactor(secret) {
  if (!looksSecret(secret)) return (text) => text;
  const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
  return (text) => {
    if (typeof text !== 'string') return text;
    let out = text;
    for (const form of forms) out = out.split(form).join('***');
    return out;
  };
}
