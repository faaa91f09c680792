//! The one oxc entry point: every script the core reads is parsed here, with the source type its
//! language maps to.

use oxc_allocator::Allocator;
use oxc_parser::{Parser, ParserReturn};
use oxc_span::SourceType;

use super::Language;

/// How oxc parses a file of this language. Plain `.js` may be either module system; it is
/// parsed as a module so ESM syntax is accepted and the module-format rule (not the parser)
/// decides whether it belongs.
pub(crate) fn source_type(language: Language) -> SourceType {
    match language {
        Language::TypeScript => SourceType::ts(),
        Language::Tsx => SourceType::tsx(),
        Language::Jsx => SourceType::jsx().with_module(true),
        _ => SourceType::mjs(),
    }
}

/// Parse `source` as the script language of `path`.
pub(crate) fn parse<'a>(allocator: &'a Allocator, path: &str, source: &'a str) -> ParserReturn<'a> {
    #[cfg(test)]
    counter::bump();
    Parser::new(allocator, source, source_type(Language::of(path))).parse()
}

/// Parses on this thread since the last [`counter::reset`]: what the tests count per answer.
#[cfg(test)]
pub(crate) mod counter {
    use std::cell::Cell;

    thread_local! {
        static PARSES: Cell<usize> = const { Cell::new(0) };
    }

    pub(crate) fn bump() {
        PARSES.with(|p| p.set(p.get() + 1));
    }

    pub(crate) fn reset() {
        PARSES.with(|p| p.set(0));
    }

    pub(crate) fn parses() -> usize {
        PARSES.with(Cell::get)
    }
}
