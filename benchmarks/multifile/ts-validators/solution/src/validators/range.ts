import type { Rule } from '../types';

/** A rule that wants a finite number from min to max, both included. */
export function range(min: number, max: number): Rule {
  return {
    name: `range(${min},${max})`,
    check(value: unknown): string | null {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      return value >= min && value <= max ? null : `must be between ${min} and ${max}`;
    },
  };
}
