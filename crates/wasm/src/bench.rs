//! Benchmark-only export (`npm run bench:core`): the stages of one edit, each timed inside the
//! wasm with the host's `performance.now()`, so the boundary's cost is measured apart.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// `{ parseMs, factsMs, gateMs, diffMs, ... }` for a MODIFY of `path` from `old` to `new`.
#[wasm_bindgen(js_name = benchStages)]
pub fn bench_stages(path: &str, old: &str, new: &str) -> Result<JsValue, JsError> {
    super::to_js(&red_exec_core::bench::stages(path, old, new, &performance_now))
}

/// The boundary alone: two strings in, their lengths back.
#[wasm_bindgen(js_name = benchBoundary)]
pub fn bench_boundary(old: &str, new: &str) -> usize {
    old.len() + new.len()
}
