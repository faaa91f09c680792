// Limits every file host applies the same way.

/** A file over this many bytes is refused as 'too_large': far over any context budget. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

export function tooLarge(size) {
  return { state: 'unreadable', reason: 'too_large', message: `${size} bytes, over the 2 MB limit for a file in scope (${MAX_FILE_BYTES} bytes)` };
}

/**
 * A model server's answer over this many bytes is refused unread: room for the largest file the
 * core accepts (MAX_FILE_BYTES) JSON-escaped, and far over what one unit's max_tokens allows.
 */
export const MAX_RESPONSE_BYTES = 2 * MAX_FILE_BYTES;
