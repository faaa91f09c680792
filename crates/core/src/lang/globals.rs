//! The names the platform provides.

/// Names the platform provides (ECMAScript, Node, browsers, test runners, TypeScript's utility
/// types). A neighbour exporting one of these never makes the file import it: using `Map` or
/// `fetch` unqualified means the global.
pub const GLOBALS: &[&str] = &[
    // ECMAScript
    "globalThis", "undefined", "NaN", "Infinity", "arguments", "Object", "Function", "Array", "Number",
    "Boolean", "String", "Symbol", "BigInt", "Date", "Promise", "RegExp", "Error", "AggregateError",
    "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError", "JSON", "Math",
    "Intl", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Proxy", "Reflect",
    "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "Int8Array", "Uint8Array",
    "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array",
    "Float64Array", "BigInt64Array", "BigUint64Array", "Iterator", "parseInt", "parseFloat", "isNaN",
    "isFinite", "eval", "encodeURI", "encodeURIComponent", "decodeURI", "decodeURIComponent", "escape",
    "unescape",
    // Node and the web platform Node shares
    "console", "process", "Buffer", "global", "require", "module", "exports", "__dirname", "__filename",
    "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate",
    "queueMicrotask", "structuredClone", "URL", "URLSearchParams", "TextEncoder", "TextDecoder",
    "AbortController", "AbortSignal", "fetch", "Request", "Response", "Headers", "FormData", "Blob", "File",
    "Event", "EventTarget", "CustomEvent", "MessageChannel", "BroadcastChannel", "performance", "crypto",
    "atob", "btoa", "WebAssembly", "NodeJS",
    // Browsers
    "window", "document", "navigator", "location", "history", "localStorage", "sessionStorage", "self",
    "HTMLElement", "Element", "Node", "customElements", "requestAnimationFrame", "cancelAnimationFrame",
    "alert", "confirm", "prompt", "getComputedStyle", "MutationObserver", "IntersectionObserver",
    "ResizeObserver", "XMLHttpRequest", "WebSocket", "Worker", "FileReader", "Image",
    // Test runners
    "describe", "it", "test", "expect", "beforeEach", "afterEach", "beforeAll", "afterAll", "jest", "vi",
    // TypeScript's built-in types
    "Record", "Partial", "Required", "Readonly", "Pick", "Omit", "Exclude", "Extract", "NonNullable",
    "ReturnType", "Parameters", "ConstructorParameters", "InstanceType", "Awaited", "ThisType",
    "ThisParameterType", "OmitThisParameter", "Uppercase", "Lowercase", "Capitalize", "Uncapitalize",
    "PropertyKey", "PromiseLike", "ArrayLike", "Iterable", "IterableIterator", "AsyncIterable",
    "AsyncIterableIterator", "ReadonlyArray", "ReadonlyMap", "ReadonlySet", "TemplateStringsArray",
];

pub(crate) fn is_global(name: &str) -> bool {
    GLOBALS.contains(&name)
}
