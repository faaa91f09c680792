#!/usr/bin/env bash
# Runs every test: the Rust workspace natively, then the Node tests (tests/**/*.test.mjs).
# Expects scripts/setup.sh to have run; rebuilds the wasm first when the Rust sources are newer than it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shopt -s globstar nullglob

# Debian's rustc 1.96 (oxc 0.152 needs >= 1.96) must win over rustup's proxies; wasm-bindgen lives in ~/.cargo/bin.
export PATH="/usr/bin:$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
step() { printf '\n==> %s\n' "$*"; }
failed=()

step "cargo test --workspace"
cargo test --workspace || failed+=("cargo test")

wasm=npm/core/dist/red_exec_wasm_bg.wasm
if [ ! -f "$wasm" ] || [ -n "$(find crates Cargo.toml Cargo.lock wasm-pack.toml -newer "$wasm" -print -quit 2>/dev/null)" ]; then
  step "wasm is missing or older than the Rust sources: rebuilding"
  node scripts/build-wasm.mjs || failed+=("build-wasm")
fi

step "node --test tests/**/*.test.mjs"
files=(tests/**/*.test.mjs)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no tests/**/*.test.mjs yet"
else
  node --test "${files[@]}" || failed+=("node --test")
fi

if [ "${#failed[@]}" -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
printf '\nAll tests passed.\n'
