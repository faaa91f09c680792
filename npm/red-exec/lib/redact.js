// Keeps the API key out of everything red-exec prints or logs.

/** Returns a function that replaces every occurrence of `secret` (raw or JSON-escaped) by ***. */
export function makeRedactor(secret) {
  if (typeof secret !== 'string' || secret.length === 0) return (text) => text;
  const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
  return (text) => {
    if (typeof text !== 'string') return text;
    let out = text;
    for (const form of forms) out = out.split(form).join('***');
    return out;
  };
}
