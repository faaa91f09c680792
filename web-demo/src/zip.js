// The workspace as a zip file (fflate), every file under one top folder.

import { strToU8, zipSync } from 'fflate';

/** Zip bytes of `files` (path -> text), placed under `folder/`. */
export function workspaceZip(files, folder = 'workspace') {
  const entries = {};
  for (const [path, text] of Object.entries(files)) entries[`${folder}/${path}`] = strToU8(text);
  return zipSync(entries, { level: 6 });
}
