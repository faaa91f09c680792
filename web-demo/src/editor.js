// The code editor: CodeMirror 6 with JavaScript/TypeScript highlighting chosen by file extension.

import { basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

function languageFor(path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (['js', 'mjs', 'cjs'].includes(ext)) return [javascript()];
  if (ext === 'jsx') return [javascript({ jsx: true })];
  if (['ts', 'mts', 'cts'].includes(ext)) return [javascript({ typescript: true })];
  if (ext === 'tsx') return [javascript({ typescript: true, jsx: true })];
  return [];
}

/**
 * An editor in `parent`. `onChange(path, text)` follows every edit of the open file.
 * Returns { open(path, text), close(), path() }.
 */
export function createEditor(parent, onChange) {
  let current = null;
  const view = new EditorView({ parent });

  function stateFor(path, text) {
    return EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        ...languageFor(path),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(path, update.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': `Contents of ${path}` }),
      ],
    });
  }

  return {
    open(path, text) {
      current = path;
      view.setState(stateFor(path, text));
    },
    close() {
      current = null;
      view.setState(EditorState.create({ doc: '', extensions: [EditorState.readOnly.of(true)] }));
    },
    path: () => current,
  };
}
