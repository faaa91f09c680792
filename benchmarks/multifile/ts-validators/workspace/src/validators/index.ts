import type { Rule } from '../types';
import { required } from './required';
import { minLength } from './minLength';

/** Rules by the name callers use. */
export const rules: Record<string, Rule> = {
  required,
  username: minLength(3),
};

/** Every error message the named rules give for value, in order; empty when it passes. */
export function validate(value: unknown, names: string[]): string[] {
  const errors: string[] = [];
  for (const name of names) {
    const rule = rules[name];
    if (!rule) throw new Error(`unknown rule: ${name}`);
    const message = rule.check(value);
    if (message !== null) errors.push(message);
  }
  return errors;
}

export { minLength };
