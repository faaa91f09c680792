// The CLI's words for its own controls, which the core's messages and advice name (the core
// itself names none: it says `files`, `options.contextBudget`, ... unless the host gives its
// words). One table, in words.json (the core's Rust tests read it too): each key is a field of
// the core's `Words` type, each value the flag; `{}` stands for the flag's argument.

import { readFileSync } from 'node:fs';

export const WORDS = Object.freeze(JSON.parse(readFileSync(new URL('./words.json', import.meta.url), 'utf8')));

/** The flag a gate rule's summary leaves to the host, for --help: the rule is about it. */
export const RULE_FLAGS = Object.freeze({ in_scope: '--files', module_format: '--module-format', new_capability: '--allow' });
