#!/usr/bin/env bash
# One-time set-up of a fresh Debian 12 machine (run as root), then build the wasm core and run the demo.
# Idempotent: steps whose result is already present are skipped.   Usage: bash scripts/setup.sh [--no-demo]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

demo=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    *) echo "usage: bash scripts/setup.sh [--no-demo]" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
die() { echo "setup: error: $*" >&2; exit 1; }
# rustc_ok RUSTC: true when RUSTC runs and is >= 1.96
rustc_ok() {
  local v
  v=$("$1" --version 2>/dev/null | sed -nE 's/^rustc ([0-9]+)\.([0-9]+).*/\1 \2/p') || return 1
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 1 ] || [ "$2" -ge 96 ]; }
}
# true when the rustc in PATH (e.g. rustup's) is >= 1.96 and has a wasm32-unknown-unknown std
rustup_route_ok() {
  local dir
  rustc_ok rustc || return 1
  dir=$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null) || return 1
  compgen -G "$dir/libstd-*.rlib" >/dev/null
}
debian_route_ok() {
  rustc_ok /usr/bin/rustc && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] && command -v wasm-ld >/dev/null
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

command -v node >/dev/null && command -v npm >/dev/null || die "node (>= 18) and npm are required"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"

step "Rust toolchain (rustc >= 1.96 able to target wasm32-unknown-unknown)"
if rustup_route_ok; then
  echo "using $(rustc --version) from PATH: it has a wasm32-unknown-unknown std"
else
  if debian_route_ok; then
    echo "Debian $(/usr/bin/rustc --version), rust-web-src and wasm-ld are present"
  else
    echo "installing Debian's rustc-web, cargo-web, rust-web-src and lld"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      rustc-web cargo-web rust-web-src lld
    debian_route_ok || die "Debian's rustc-web did not give rustc >= 1.96 with std sources and wasm-ld"
  fi
  # Debian's cargo/rustc must win over rustup's proxies in ~/.cargo/bin; keep ~/.cargo/bin (wasm-bindgen) after them.
  export PATH="/usr/bin:$PATH"
fi
export PATH="$PATH:$cargo_bin"

step "wasm-bindgen CLI"
pin=$(sed -nE 's/^wasm-bindgen *= *"=([0-9]+\.[0-9]+\.[0-9]+)".*/\1/p' Cargo.toml | head -n1)
[ -n "$pin" ] || die 'Cargo.toml must pin wasm-bindgen as wasm-bindgen = "=x.y.z" in [workspace.dependencies]'
have=$( { "$cargo_bin/wasm-bindgen" --version || wasm-bindgen --version; } 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$pin" ]; then
  echo "wasm-bindgen $pin is installed"
else
  echo "installing wasm-bindgen-cli $pin (found: ${have:-none}); takes about 2 minutes"
  # no --locked: one of its locked dependencies is not on the registry mirror
  cargo install wasm-bindgen-cli --version "=$pin"
fi

step "npm dependencies"
stale=0
if [ ! -f node_modules/.package-lock.json ]; then stale=1
else
  for f in package.json package-lock.json npm/*/package.json; do
    if [ -f "$f" ] && [ "$f" -nt node_modules/.package-lock.json ]; then stale=1; fi
  done
fi
if [ "$stale" = 0 ]; then
  echo "node_modules is up to date"
elif [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

step "Benchmark dependency cache (the polyglot exercises' own Jest 29 + Babel, once per set; the tests then run npm offline)"
node benchmarks/lib/deps.mjs --seed || die "could not install the polyglot exercises' dependencies (benchmarks/README.md: Dependency cache)"

step "Chromium and zsh (the playground's browser test drives Chromium with playwright-core; the completion test runs zsh)"
if [ -x /usr/bin/chromium ] && command -v zsh >/dev/null; then
  echo "Debian's chromium and zsh are installed"
else
  echo "installing Debian's chromium and zsh"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium zsh
fi

step "Build the wasm core (wasm-pack.toml)"
node scripts/build-wasm.mjs

if [ "$demo" = 1 ]; then
  step "Demo"
  if [ -f scripts/demo.mjs ]; then
    npm run demo
  else
    echo "scripts/demo.mjs does not exist yet: skipping the demo"
  fi
fi
step "Set-up done. Run the tests with: bash scripts/test.sh"
