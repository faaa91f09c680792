import type { Rule } from '../types';

// One @, something before it, a dot somewhere after it, no spaces: deliberately loose.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const email: Rule = {
  name: 'email',
  check(value: unknown): string | null {
    if (typeof value !== 'string' || !EMAIL.test(value)) return 'must be an email address';
    return null;
  },
};
