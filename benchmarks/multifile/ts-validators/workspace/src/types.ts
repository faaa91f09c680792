// A validation rule: a name, and a check that returns an error message or null when the value is fine.
export interface Rule {
  name: string;
  check(value: unknown): string | null;
}
