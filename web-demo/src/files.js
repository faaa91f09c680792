// A person's own files into the page: from a file input, a drop (files or folders), or the File
// System Access API's folder picker where the browser has it. Nothing leaves the page. Only UTF-8
// text is taken (the core works on text); dependency and VCS folders are passed over.

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'coverage', '.red-exec-logs', '.next', '.cache']);
export const MAX_FILES = 2000;
export const MAX_FILE_BYTES = 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a file's bytes, or null for binary or non-UTF-8 content. */
export function textOf(bytes) {
  if (bytes.includes(0)) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

const skipped = (rel) => rel.split('/').some((part) => SKIP_DIRS.has(part));

/**
 * Read [{ path, file }] (a File each) into { files: {path: text}, skipped: [paths], root }.
 * A common top folder (a picked or dropped folder) is taken off the paths and named `root`.
 */
export async function readEntries(entries) {
  const files = {};
  const left = [];
  const parts = entries.map((e) => e.path.split('/'));
  const top = parts.length > 0 && parts.every((p) => p.length > 1 && p[0] === parts[0][0]) ? parts[0][0] : null;
  for (const { path, file } of entries) {
    const rel = top ? path.slice(top.length + 1) : path;
    if (skipped(rel)) continue;
    if (Object.keys(files).length >= MAX_FILES || file.size > MAX_FILE_BYTES) {
      left.push(rel);
      continue;
    }
    const text = textOf(new Uint8Array(await file.arrayBuffer()));
    if (text === null) left.push(rel);
    else files[rel] = text;
  }
  return { files, skipped: left, root: top };
}

/** The files of an <input type=file> (webkitRelativePath for a folder input). */
export function inputEntries(fileList) {
  return [...fileList].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** The files of a folder from showDirectoryPicker(), walked recursively. */
export async function directoryEntries(handle, prefix = handle.name) {
  const out = [];
  for await (const [name, child] of handle.entries()) {
    const rel = `${prefix}/${name}`;
    if (child.kind === 'directory') {
      if (!SKIP_DIRS.has(name)) out.push(...(await directoryEntries(child, rel)));
    } else {
      out.push({ path: rel, file: await child.getFile() });
    }
  }
  return out;
}

/** The files of a drop: plain files and whole folders (webkitGetAsEntry, in every current browser). */
export async function dropEntries(dataTransfer) {
  const roots = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (roots.length === 0) return inputEntries(dataTransfer.files);
  const out = [];
  const fileOf = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));
  const readAll = async (reader) => {
    const all = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) return all;
      all.push(...batch);
    }
  };
  const walk = async (entry, rel) => {
    if (entry.isFile) out.push({ path: rel, file: await fileOf(entry) });
    else if (entry.isDirectory && !SKIP_DIRS.has(entry.name)) {
      for (const child of await readAll(entry.createReader())) await walk(child, `${rel}/${child.name}`);
    }
  };
  for (const root of roots) await walk(root, root.name);
  return out;
}
