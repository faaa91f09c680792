//! The language layer: what the core knows of languages and modules, asked by every other
//! module. Languages and their extensions ([`language`]), the one oxc entry point ([`parse()`]),
//! module formats ([`module_format`]), specifiers and their resolution to workspace paths
//! ([`resolve`]), the names the platform provides ([`globals`]) and the facts of one file
//! ([`analysis`], computed once per content with an [`analysis::Cache`]). Adding a language
//! means adding to this module.

pub mod analysis;
pub mod globals;
pub mod language;
pub mod module_format;
pub mod parse;
pub mod resolve;

pub use globals::{GLOBALS, is_global};
pub use language::{
    EXTENSIONS, Language, extension, has_code_extension, imported_as, is_script_extension, is_task_path_extension, script_extension,
    strip_script_extension,
};
pub use module_format::ModuleFormat;
pub use parse::{parse, source_type};
