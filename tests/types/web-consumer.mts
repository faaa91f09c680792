// A browser user of @codemaestro/core, type-checked with `tsc --strict` against the DOM library and
// without @types/node (consumer.test.mjs): an in-memory host, `init` with the wasm's URL.
import { init, runTask, type FileState, type Host } from '@codemaestro/core';

const files = new Map<string, string>([['src/app.js', 'export const app = 1;\n']]);

const host: Host = {
  async complete(request) {
    const response = await fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: request.messages }) });
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    return { text: body.choices[0]?.message.content ?? '', durationMs: 12 };
  },
  async readFile(path): Promise<FileState> {
    const text = files.get(path);
    return text === undefined ? { state: 'absent' } : { state: 'present', text };
  },
  async writeFile(path, text) {
    files.set(path, text);
  },
  async deleteFile(path) {
    files.delete(path);
  },
  onEvent(event) {
    if (event.kind === 'write') document.title = event.path;
  },
};

await init(new URL('./red_exec_wasm_bg.wasm', import.meta.url));
const result = await runTask({ task: 'Rename app to main', files: ['src/app.js'], host });
document.body.textContent = `${result.status}: ${result.counts.written} written`;
