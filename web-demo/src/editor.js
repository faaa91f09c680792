// The code editor and the side-by-side merge view: CodeMirror 6 (with @codemirror/merge), loaded
// by the page only once its first screen is up (a dynamic import: this module and CodeMirror are
// a chunk of their own).

import { basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { MergeView } from '@codemirror/merge';
import { EditorState, RangeSetBuilder, StateField } from '@codemirror/state';
import { Decoration, EditorView } from '@codemirror/view';

function languageFor(path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (['js', 'mjs', 'cjs'].includes(ext)) return [javascript()];
  if (ext === 'jsx') return [javascript({ jsx: true })];
  if (['ts', 'mts', 'cts'].includes(ext)) return [javascript({ typescript: true })];
  if (ext === 'tsx') return [javascript({ typescript: true, jsx: true })];
  return [];
}

const acceptedLine = Decoration.line({ class: 'cm-accepted' });

/** Line decorations on `lines` (1-based), kept in place as the text is edited. */
function highlightLines(lines) {
  return StateField.define({
    create(state) {
      const builder = new RangeSetBuilder();
      for (const n of [...new Set(lines)].sort((a, b) => a - b)) {
        if (n >= 1 && n <= state.doc.lines) builder.add(state.doc.line(n).from, state.doc.line(n).from, acceptedLine);
      }
      return builder.finish();
    },
    update: (decorations, tr) => decorations.map(tr.changes),
    provide: (field) => EditorView.decorations.from(field),
  });
}

/**
 * An editor in `parent`. `onChange(path, text)` follows every edit of the open file.
 * open(path, text, { readOnly, highlight: [line numbers] }), close(), path().
 */
export function createEditor(parent, onChange) {
  let current = null;
  parent.replaceChildren();
  const view = new EditorView({ parent });
  // The whole document, for the page's tests and a person's devtools: CodeMirror draws only the lines in view.
  parent.editorView = view;

  function stateFor(path, text, { readOnly = false, highlight = [] }) {
    return EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        ...languageFor(path),
        EditorView.lineWrapping,
        highlight.length ? highlightLines(highlight) : [],
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(path, update.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': `Contents of ${path}` }),
      ],
    });
  }

  return {
    open(path, text, options = {}) {
      current = path;
      view.setState(stateFor(path, text, options));
    },
    close() {
      current = null;
      view.setState(EditorState.create({ doc: '', extensions: [EditorState.readOnly.of(true)] }));
    },
    path: () => current,
  };
}

/** A read-only side-by-side merge view of `before` and `after` in `parent`; returns it (destroy() to drop). */
export function createMergeView(parent, path, before, after) {
  const side = (doc) => ({ doc, extensions: [basicSetup, ...languageFor(path), EditorView.lineWrapping, EditorState.readOnly.of(true), EditorView.editable.of(false)] });
  return new MergeView({ a: side(before), b: side(after), parent, highlightChanges: false, gutter: true, collapseUnchanged: { margin: 3, minSize: 6 } });
}
