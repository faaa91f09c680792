// Recorded mode is honest: a recording answers one task on one set of files, so it replays only
// that. Anything else is refused before the run, in a plain sentence, instead of replaying the
// old answers for a new question. Pure (no DOM), tested under Node.

const sameList = (a, b) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const quote = (text) => {
  const line = text.split('\n')[0].trim();
  // Long tasks are cut at a word, so the sentence stays readable.
  return `"${line.length > 90 ? `${line.slice(0, line.lastIndexOf(' ', 90))}…` : line}"`;
};

/** The files of the example's workspace whose text differs from the recorded one (edited, added or deleted). */
export function editedFiles(example, workspace) {
  const original = example.workspace;
  const now = workspace.snapshot();
  const paths = new Set([...Object.keys(original), ...Object.keys(now)]);
  return [...paths].filter((p) => original[p] !== now[p]).sort();
}

/**
 * Why this run cannot be replayed from the example's recording, or null when it can: the task, the
 * files in scope and every file's text must be the recorded ones.
 */
export function recordingRefusal({ example, task, files, workspace }) {
  if (!example?.transcript) return 'This workspace has no recorded run: switch to live mode to run it.';
  const tail = 'switch to live mode to run your own.';
  const scope = example.files.join(', ');
  if (task.trim() !== example.task.trim()) {
    return `This recording answers the task ${quote(example.task)} on ${scope}; ${tail}`;
  }
  if (!sameList(files, example.files)) {
    return `This recording answers its task on ${scope} only (this run names ${files.join(', ') || 'no file'}); ${tail}`;
  }
  const edited = editedFiles(example, workspace);
  if (edited.length > 0) {
    return `This recording was made on the example's files as they were; ${edited.join(', ')} changed since, so the recorded answers would not fit: ${tail}`;
  }
  return null;
}
