// @codemaestro/benchmarks: the runner, scorer and comparison as a library.
export { runCli, isBenchCommand, EXIT } from './cli.mjs';
export { runSuite, runItem, loadSuite, prepareWorkspace, startReferenceModel, writeResults, redExecMetrics, DEFAULT_HARNESS, RESULTS_DIR, BENCH_ROOT } from './runner.mjs';
export { CHECKS, CHECK_TYPES, parseChecks, readChecksFile, scoreWorkspace, loadModule } from './checks.mjs';
export { OURS as OUR_CHECK_KEYS, ORIGINAL as ORIGINAL_CHECK_KEYS } from './check-schema.mjs';
export { snapshot, changedPaths, auditWrites, loadBaseline, loadFiles } from './audit.mjs';
export { compareText, loadResults, loadBaselines } from './compare.mjs';
