// Limits every file host applies the same way.

/**
 * The most a file host may be set to read (`maxFileBytes`): the core refuses an answer whose code
 * is larger (crates/core/src/generate.rs MAX_FILE_BYTES), so a larger file could be read but never
 * written back.
 */
export const LARGEST_FILE_BYTES = 32 * 1024 * 1024;

/**
 * A file in scope over this many bytes is refused as 'too_large' unless the host is set otherwise
 * (`maxFileBytes`): room for a 10 MB source file. What goes to a model is the context budget's
 * call, not this limit's: a large file is sectioned, and a section over the budget is refused.
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function tooLarge(size, limit = MAX_FILE_BYTES) {
  return { state: 'unreadable', reason: 'too_large', message: `${size} bytes, over the limit for a file in scope (${limit} bytes)` };
}

/** `maxFileBytes` as a host option: a whole number of bytes from 1 to LARGEST_FILE_BYTES. */
export function checkMaxFileBytes(value, who) {
  if (value === undefined) return MAX_FILE_BYTES;
  if (!Number.isInteger(value) || value < 1 || value > LARGEST_FILE_BYTES) {
    throw new RangeError(`${who}: maxFileBytes must be a whole number of bytes from 1 to ${LARGEST_FILE_BYTES}, not ${value}`);
  }
  return value;
}

/**
 * A model server's answer over this many bytes (4 MiB) is refused unread: far over what one
 * unit's max_tokens allows (a large file goes to the model by sections, never whole).
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
