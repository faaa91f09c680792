// `red-exec --benchmark / --score / --compare`: handed to the benchmarks workspace package,
// which is loaded only when asked for so the CLI works without it.

/** Is this argv a benchmark command (rather than a task)? */
export function isBenchCommand(argv) {
  return argv.some((a) => /^--(benchmark|score|compare)(=|$)/.test(a));
}

/** Run the benchmark command; io as for main(). Resolves to an exit code. */
export async function runBenchCommand(argv, io) {
  let bench;
  try {
    bench = await import('@codemaestro/benchmarks');
  } catch (err) {
    io.stderr.write(`red-exec: the benchmarks ship with the repository only (https://github.com/CodeMaestro-AI/red-exec): run this from a clone after npm install (${err.message})\n`);
    return 3;
  }
  return bench.runCli(argv, io);
}
