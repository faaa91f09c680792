import type { Rule } from '../types';

export const required: Rule = {
  name: 'required',
  check(value: unknown): string | null {
    if (value === undefined || value === null) return 'is required';
    if (typeof value === 'string' && value.trim() === '') return 'is required';
    return null;
  },
};
