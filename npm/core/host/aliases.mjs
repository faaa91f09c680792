// One file, one unit (Node only). Two names of one file in scope (a symbolic link inside the
// workspace and its target, two hard links, `a.js` and `./a.js`, or on a case-insensitive file
// system `A.js` and `a.js`) would become two units, and the second write would silently replace
// the first. Names are told apart by what they open (device and inode), not by their text, and
// merged before the core plans: the unit keeps the file's real name when it is one of them.

import fs from 'node:fs';
import path from 'node:path';
import { isInside, posixRelative } from './fs-paths.mjs';

/**
 * Where `rel` lands: { key, real, st } (key: device and inode of a present file; for an absent
 * one, its real parent directory joined with its name), or null when it cannot be told (outside
 * the workspace, unreadable: the run refuses or reports it as it would anyway).
 */
function identity(root, rel) {
  const abs = path.resolve(root, rel);
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) return null;
    const real = fs.realpathSync(abs);
    return isInside(root, real) ? { key: `${st.dev}:${st.ino}`, real, st } : null;
  } catch (err) {
    if (err.code !== 'ENOENT') return null;
  }
  try {
    const real = path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
    return isInside(root, real) ? { key: `absent:${real}`, real, st: null } : null;
  } catch {
    return null;
  }
}


/**
 * Merge the names in `files` and `read` (workspace-relative) that are one file. Returns
 * { files, read, merged, warnings }: the lists without the extra names (a file in both keeps its
 * place in `files`), `merged` as [{ path, aliases }], and RunWarning-shaped warnings: `alias_merged`
 * for each merge, `hard_link` for a --files entry with other names on disk (a write by rename gives
 * this name the new text and leaves the old text under the others).
 */
export function mergeAliases(workspace, { files, read = [] }) {
  const root = fs.realpathSync(workspace);
  const groups = new Map();
  const entries = [...files.map((name) => ({ name, list: 'files' })), ...read.map((name) => ({ name, list: 'read' }))];
  for (const entry of entries) {
    const id = identity(root, entry.name);
    if (!id) continue;
    Object.assign(entry, id);
    const group = groups.get(id.key) ?? [];
    group.push(entry);
    groups.set(id.key, group);
  }
  const dropped = new Set();
  const merged = [];
  const warnings = [];
  for (const group of groups.values()) {
    const inFiles = group.filter((e) => e.list === 'files');
    const pool = inFiles.length > 0 ? inFiles : group;
    const realRel = posixRelative(root, group[0].real);
    const keep = pool.find((e) => path.normalize(e.name) === path.normalize(realRel)) ?? pool[0];
    const others = [...new Set(group.filter((e) => e !== keep).map((e) => e.name))];
    for (const e of group) if (e !== keep) dropped.add(e);
    if (others.some((n) => path.normalize(n) !== path.normalize(keep.name))) {
      const names = others.map((n) => `"${n}"`).join(', ');
      merged.push({ path: keep.name, aliases: others });
      warnings.push({
        code: 'alias_merged',
        path: keep.name,
        message: `also listed as ${names}: the same file (a symbolic link, a hard link or another spelling), so one unit`,
      });
    }
    if (keep.list === 'files' && keep.st && keep.st.nlink > 1) {
      warnings.push({
        code: 'hard_link',
        path: keep.name,
        message: `has ${keep.st.nlink} names on disk (hard links); a write replaces the file by rename, so this name gets the new text and the other names keep the old one (the link is broken)`,
      });
    }
  }
  const kept = (list) => entries.filter((e) => e.list === list && !dropped.has(e)).map((e) => e.name);
  return { files: kept('files'), read: kept('read'), merged, warnings };
}
