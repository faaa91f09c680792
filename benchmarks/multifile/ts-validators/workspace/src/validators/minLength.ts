import type { Rule } from '../types';

/** A rule that wants a string of at least `min` characters. */
export function minLength(min: number): Rule {
  return {
    name: `minLength(${min})`,
    check(value: unknown): string | null {
      if (typeof value !== 'string') return 'must be text';
      return value.length >= min ? null : `must be at least ${min} characters`;
    },
  };
}
