// Vite builds the playground into web-demo/dist/: static files only (HTML, JS, CSS, the core's
// .wasm). The examples are read from the repository at build time into `virtual:examples`.

import { defineConfig } from 'vite';
import { loadExamples } from './examples.mjs';

const VIRTUAL_ID = 'virtual:examples';

function examplesPlugin() {
  return {
    name: 'red-exec-examples',
    resolveId(id) {
      return id === VIRTUAL_ID ? `\0${VIRTUAL_ID}` : null;
    },
    load(id) {
      if (id !== `\0${VIRTUAL_ID}`) return null;
      return `export default ${JSON.stringify(loadExamples())};`;
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [examplesPlugin()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  // The first screen (task, Run, files, the core's glue) is the entry chunk; the editor and the
  // merge view (CodeMirror, most of the JS) are a chunk of their own, imported once the page is up.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 600 },
});
