//! The language layer: what the core knows of languages and modules, asked by every other
//! module. Languages and their extensions (`language`), the one oxc entry point (`parse()`),
//! module formats (`module_format`), specifiers and their resolution to workspace paths
//! (`resolve`), the names the platform provides (`globals`) and the facts of one file
//! ([`analysis`], computed once per content with an `analysis::Cache`). Adding a language
//! means adding to this module.

pub mod analysis;
pub(crate) mod globals;
pub(crate) mod language;
pub(crate) mod module_format;
pub(crate) mod parse;
pub(crate) mod resolve;

pub use globals::GLOBALS;
pub(crate) use globals::is_global;
pub use language::Language;
pub(crate) use language::{
    extension, has_code_extension, imported_as, is_task_path_extension, script_extension,
    strip_script_extension,
};
pub use module_format::ModuleFormat;
pub(crate) use parse::parse;
