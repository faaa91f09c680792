// Skill files: reading the ones passed with --skill, and gathering a project's sources for
// --init-skill (the core decides what they show).

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

export const SOURCE_EXTENSIONS = ['.js', '.ts', '.mjs', '.cjs'];
export const MAX_SOURCE_FILES = 200;
/** The sources --init-skill reads, together: enough for a starter, little to wait for. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/** The caps of collectSources in words: "200-file / 2 MB". */
export const SOURCE_CAP_TEXT = `${MAX_SOURCE_FILES}-file / ${MAX_SOURCE_BYTES / (1024 * 1024)} MB`;
const MAX_SKILL_BYTES = 256 * 1024;

function decodeUtf8(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Texts of the --skill files (paths relative to cwd). Throws ConfigError naming the bad one. */
export function readSkillFiles(paths, cwd) {
  return paths.map((p) => {
    const file = path.resolve(cwd, p);
    let bytes;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) throw new ConfigError(`--skill ${p}: not a file`);
      if (st.size > MAX_SKILL_BYTES) throw new ConfigError(`--skill ${p}: ${st.size} bytes; a skill file may have ${MAX_SKILL_BYTES}`);
      bytes = fs.readFileSync(file);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`--skill ${p}: cannot read it (${err.code ?? err.message})`);
    }
    const text = decodeUtf8(bytes);
    if (text === null) throw new ConfigError(`--skill ${p}: not UTF-8 text`);
    return text;
  });
}

/**
 * The workspace's .js/.ts/.mjs/.cjs files as [relative path, text], in path order, skipping
 * node_modules, hidden directories, symbolic links and non-UTF-8 files; at most
 * MAX_SOURCE_FILES files and MAX_SOURCE_BYTES bytes (a file that would pass the byte cap is
 * skipped). Also package.json's text, or null.
 */
export function collectSources(workspace) {
  const files = [];
  let bytes = 0;
  let skipped = 0;
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(workspace, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        walk(r);
      } else if (entry.isFile() && SOURCE_EXTENSIONS.includes(path.extname(entry.name))) {
        if (files.length >= MAX_SOURCE_FILES) {
          skipped += 1;
          continue;
        }
        let data;
        try {
          data = fs.readFileSync(path.join(workspace, r));
        } catch {
          continue;
        }
        const text = decodeUtf8(data);
        if (text === null || bytes + data.length > MAX_SOURCE_BYTES) {
          skipped += 1;
          continue;
        }
        bytes += data.length;
        files.push([r, text]);
      }
    }
  };
  walk('');
  let packageJson = null;
  try {
    packageJson = fs.readFileSync(path.join(workspace, 'package.json'), 'utf8');
  } catch {
    // no package.json: the core reads the sources alone
  }
  return { files, packageJson, skipped };
}
