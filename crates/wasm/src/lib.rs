use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn version() -> String {
    red_exec_core::VERSION.to_string()
}
