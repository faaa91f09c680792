//! Tests of `extract`.

use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/extract/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The text from the line holding `from` up to and including the first `until` after it.
fn slice<'s>(text: &'s str, from: &str, until: &str) -> &'s str {
    let start = text.find(from).unwrap_or_else(|| panic!("{from:?} not in fixture"));
    let start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = start + text[start..].find(until).unwrap_or_else(|| panic!("{until:?} not after {from:?}")) + until.len();
    &text[start..end]
}

/// Top-level names of `original` that `text` refers to but no longer declares or imports.
fn dangling(path: &str, text: &str, original: &str) -> Vec<String> {
    let before = parse(path, original);
    let top_level: BTreeSet<&str> = before.owners().into_keys().collect();
    let after = parse(path, text);
    assert!(after.errors.is_empty(), "{path}: {:?}\n{text}", after.errors);
    after.unresolved.iter().filter(|n| top_level.contains(n.as_str())).cloned().collect()
}

fn exports(path: &str, text: &str) -> BTreeSet<String> {
    let facts = analysis::analyze(path, text);
    assert!(facts.is_valid(), "{path}: {:?}\n{text}", facts.syntax_errors);
    facts.exports
}

const SECTION_2: [&str; 10] = [
    "CURRENCY_SYMBOLS",
    "invoiceSequence",
    "nextInvoiceNumber",
    "formatMoney",
    "padColumns",
    "InvoiceError",
    "buildInvoice",
    "invoiceLines",
    "renderInvoice",
    "sendInvoice",
];

fn billing_spec<'a>(source: &'a str, target: &'a str, symbols: &'a [String]) -> ExtractSpec<'a> {
    ExtractSpec { source_path: "src/billing.js", source_text: source, target_path: target, symbols, format: ModuleFormat::Cjs }
}

#[test]
fn commonjs_section_moves_byte_for_byte() {
    let source = fixture("billing.js");
    assert!(source.lines().count() >= 300);
    // Asked for in another order than the file's: the file's order wins.
    let mut symbols = names(&SECTION_2);
    symbols.reverse();
    let out = extract(&billing_spec(&source, "src/billing/invoices.js", &symbols)).unwrap();
    assert_eq!(out.moved, names(&SECTION_2));

    // The whole section, heading and comments included, arrives unchanged.
    let section = slice(&source, "// SECTION 2: invoices", "    throw new InvoiceError('SEND_FAILED', `sending ${invoice.number} failed: ${err.message}`);\n  }\n}");
    assert!(section.contains("function* invoiceLines(invoice)") && section.contains("async function sendInvoice"));
    let expected_head = "'use strict';\n\n\
        const crypto = require('crypto');\n\
        const { formatDate } = require('../dates');\n\
        const logger = require('../logger').child({ module: 'billing' });\n\n";
    assert_eq!(&out.target_text[..expected_head.len()], expected_head);
    assert_eq!(&out.target_text[expected_head.len()..expected_head.len() + section.len()], section);
    let exports_line: String = SECTION_2.iter().map(|n| format!("  {n},\n")).collect();
    assert_eq!(&out.target_text[expected_head.len() + section.len()..], format!("\n\nmodule.exports = {{\n{exports_line}}};\n"));
    assert_eq!(exports("src/billing/invoices.js", &out.target_text), set(&SECTION_2));
    assert_eq!(dangling("src/billing/invoices.js", &out.target_text, &source), Vec::<String>::new());

    // The facade: same exports, the moved names come back through one require.
    let facade = &out.source_text;
    assert_eq!(exports("src/billing.js", facade), exports("src/billing.js", &source));
    assert_eq!(dangling("src/billing.js", facade, &source), Vec::<String>::new());
    assert!(!facade.contains("SECTION 2") && !facade.contains("function formatMoney"));
    let require_back = "const {\n  nextInvoiceNumber,\n  formatMoney,\n  InvoiceError,\n  buildInvoice,\n  renderInvoice,\n  sendInvoice,\n} = require('./billing/invoices');\n";
    let logger = "const logger = require('./logger').child({ module: 'billing' });\n";
    // Exactly: the section is gone with the blank line after it, `crypto` is no longer
    // required here, and the moved names are required back after the last require.
    let expected = source
        .replace(&format!("{section}\n\n"), "")
        .replace("const crypto = require('crypto');\n", "")
        .replace(logger, &format!("{logger}{require_back}"));
    assert_eq!(facade, &expected);
    // `crypto` served only the moved code; `events` and `./dates` are still used here.
    assert!(!facade.contains("require('crypto')"));
    assert!(facade.contains("'use strict';\n\nconst { EventEmitter } = require('events');\nconst { formatDate, addDays } = require('./dates');\n"));
    assert!(facade.contains("  return { subtotal: gross, discount, tax, total: amount + tax, currency: order.currency || 'EUR' };\n}\n\n// SECTION 3: billing runs\n"));
    assert!(!facade.contains("\n\n\n"), "a run of blank lines was left:\n{facade}");
}

/// The repository's module-split task: two sections leave lib/jobs.js one after the other.
#[test]
fn module_split_fixture_in_two_extractions() {
    let dir = format!("{}/../../tests/fixtures/module-split/lib", env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let jobs = read("jobs.js");
    let execution = names(&["retryDelay", "sleep", "withTimeout", "runJob", "JobQueue", "runAll"]);
    let reporting = names(&[
        "formatDuration", "summarize", "successRate", "pad", "renderTable", "renderReport", "csvCell", "toCsv", "toJson", "writeReport",
    ]);
    let spec = |text, target, symbols| ExtractSpec { source_path: "lib/jobs.js", source_text: text, target_path: target, symbols, format: ModuleFormat::Cjs };
    let first = extract(&spec(&jobs, "lib/execution.js", &execution)).unwrap();
    let second = extract(&spec(&first.source_text, "lib/reporting.js", &reporting)).unwrap();
    assert_eq!(first.moved, execution);
    assert_eq!(second.moved, reporting);

    let section = |from, until| slice(&jobs, from, until).to_string();
    let execution_code = section("// SECTION 2: EXECUTION", "order.get(a.name) - order.get(b.name));\n}");
    let reporting_code = section("// SECTION 3: REPORTING", "return file;\n}");
    assert!(first.target_text.contains(&execution_code) && second.target_text.contains(&reporting_code));
    assert!(first.target_text.starts_with("'use strict';\n\nconst { EventEmitter } = require('events');\n\n// SECTION 2: EXECUTION\n"));
    assert!(second.target_text.starts_with("'use strict';\n\nconst fs = require('fs');\nconst path = require('path');\n\n// SECTION 3: REPORTING\n"));
    assert_eq!(exports("lib/execution.js", &first.target_text), set(&execution.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(exports("lib/reporting.js", &second.target_text), set(&reporting.iter().map(String::as_str).collect::<Vec<_>>()));

    let facade = &second.source_text;
    assert_eq!(exports("lib/jobs.js", facade), exports("lib/jobs.js", &jobs));
    assert_eq!(dangling("lib/jobs.js", facade, &jobs), Vec::<String>::new());
    assert!(!facade.contains("SECTION 2") && !facade.contains("SECTION 3") && !facade.contains("\n\n\n"));
    // `events` went with the queue and `path` with the report writer; the configuration
    // code still reads files.
    assert!(facade.starts_with(
        "'use strict';\n\nconst fs = require('fs');\n\
         const { retryDelay, sleep, withTimeout, runJob, JobQueue, runAll } = require('./execution');\n\
         const {\n  formatDuration,\n"
    ), "{facade}");
    assert!(!facade.contains("require('events')") && !facade.contains("require('path')"));

    let worker = read("worker.js");
    assert_eq!(
        rewire("lib/worker.js", &worker, "lib/jobs.js", "lib/execution.js", &execution, ModuleFormat::Cjs),
        Some(worker.replace("require('./jobs')", "require('./execution')"))
    );
    // The CLI also takes configuration functions, which stay in jobs.js: one require per module.
    let cli = read("cli.js");
    let step = rewire("lib/cli.js", &cli, "lib/jobs.js", "lib/execution.js", &execution, ModuleFormat::Cjs).unwrap();
    let both = rewire("lib/cli.js", &step, "lib/jobs.js", "lib/reporting.js", &reporting, ModuleFormat::Cjs).unwrap();
    assert_eq!(
        both,
        cli.replace(
            "const { loadConfig, mergeConfig, configFromEnv, runAll, writeReport, renderReport } = require('./jobs');\n",
            "const { loadConfig, mergeConfig, configFromEnv } = require('./jobs');\n\
             const { writeReport, renderReport } = require('./reporting');\n\
             const { runAll } = require('./execution');\n"
        )
    );
}

#[test]
fn a_helper_left_behind_is_named() {
    let source = fixture("billing.js");
    let symbols = names(&["renderInvoice"]);
    let err = extract(&billing_spec(&source, "src/render.js", &symbols)).unwrap_err();
    assert_eq!(
        err,
        ExtractError::NeedsLocal {
            symbol: "renderInvoice".into(),
            // Transitively, in source order: invoiceLines needs formatMoney and padColumns,
            // formatMoney needs CURRENCY_SYMBOLS.
            uses: names(&["CURRENCY_SYMBOLS", "formatMoney", "padColumns", "invoiceLines"]),
        }
    );
    assert_eq!(
        err.to_string(),
        "\"renderInvoice\" cannot move alone: the moved code also needs \"CURRENCY_SYMBOLS\", \"formatMoney\", \"padColumns\", \"invoiceLines\" from the source; move them too"
    );
    // A mutable counter and a class count as well; an imported name does not.
    let symbols = names(&["formatMoney", "buildInvoice", "CURRENCY_SYMBOLS"]);
    assert_eq!(
        extract(&billing_spec(&source, "src/x.js", &symbols)).unwrap_err(),
        ExtractError::NeedsLocal { symbol: "buildInvoice".into(), uses: names(&["invoiceSequence", "nextInvoiceNumber", "InvoiceError"]) }
    );
}

#[test]
fn a_declaration_list_moves_whole() {
    let source = fixture("billing.js");
    let symbols = names(&["DEFAULT_TERMS_DAYS"]);
    assert_eq!(
        extract(&billing_spec(&source, "src/billing/terms.js", &symbols)).unwrap_err(),
        ExtractError::NeedsLocal { symbol: "DEFAULT_TERMS_DAYS".into(), uses: names(&["LATE_FEE_RATE"]) }
    );
    let symbols = names(&["LATE_FEE_RATE", "DEFAULT_TERMS_DAYS"]);
    let out = extract(&billing_spec(&source, "src/billing/terms.js", &symbols)).unwrap();
    assert_eq!(
        out.target_text,
        "'use strict';\n\nconst DEFAULT_TERMS_DAYS = 14, LATE_FEE_RATE = 0.02;\n\nmodule.exports = { DEFAULT_TERMS_DAYS, LATE_FEE_RATE };\n"
    );
    // Not exported, but still used by the code that stays: imported back.
    assert!(out.source_text.contains("\nconst { DEFAULT_TERMS_DAYS, LATE_FEE_RATE } = require('./billing/terms');\n"));
    // Only part of section 3 moved, so its heading stays with the rest.
    assert!(out.source_text.contains("// SECTION 3: billing runs\n// ----------"));
    assert!(out.source_text.contains("-----\n\nfunction sleep(ms) {"));
    assert_eq!(exports("src/billing.js", &out.source_text), exports("src/billing.js", &source));
    assert_eq!(dangling("src/billing.js", &out.source_text, &source), Vec::<String>::new());
}

#[test]
fn what_cannot_move_is_refused() {
    let source = fixture("billing.js");
    let run = |symbols: &[&str]| extract(&billing_spec(&source, "src/x.js", &names(symbols)));
    assert_eq!(run(&["formatMoney", "nope"]).unwrap_err(), ExtractError::UnknownSymbol("nope".into()));
    // A method is not a top-level declaration.
    assert_eq!(run(&["invoiceOne"]).unwrap_err(), ExtractError::UnknownSymbol("invoiceOne".into()));
    assert!(matches!(run(&["crypto"]).unwrap_err(), ExtractError::Unsupported { symbol, .. } if symbol == "crypto"));
    assert!(matches!(run(&[]).unwrap_err(), ExtractError::Unsupported { .. }));
    let symbols = names(&["a"]);
    let broken = ExtractSpec { source_text: "function a( {\n", ..billing_spec(&source, "src/x.js", &symbols) };
    let err = extract(&broken).unwrap_err();
    assert!(matches!(&err, ExtractError::Parse(m) if m.contains("(line 2, column 1)")), "{err:?}");
    let symbols = names(&["formatMoney"]);
    let onto_itself = billing_spec(&source, "./src/billing.js", &symbols);
    assert!(matches!(extract(&onto_itself).unwrap_err(), ExtractError::Unsupported { .. }));
    // The code that stays assigns to the moved binding: an import could not take that.
    let src = "let count = 0;\nfunction bump() {\n  count += 1;\n}\nmodule.exports = { bump };\n";
    let assigned = ExtractSpec { source_path: "c.js", source_text: src, target_path: "d.js", symbols: &names(&["count"]), format: ModuleFormat::Cjs };
    assert!(matches!(extract(&assigned).unwrap_err(), ExtractError::Unsupported { symbol, .. } if symbol == "count"));
}

#[test]
fn esm_section_keeps_its_exports() {
    let source = fixture("queue.js");
    let symbols = names(&["every", "runAt", "describeSchedule", "scheduleSummary"]);
    let spec = ExtractSpec {
        source_path: "src/jobs/queue.js",
        source_text: &source,
        target_path: "src/jobs/schedule.js",
        symbols: &symbols,
        format: ModuleFormat::Esm,
    };
    let out = extract(&spec).unwrap();
    assert_eq!(out.moved, symbols);
    let section = slice(&source, "// Scheduling", "new Date(next).toISOString()}`;\n}");
    assert_eq!(
        out.target_text,
        format!("import {{ setTimeout as delay }} from 'node:timers/promises';\n\n{section}\n\nexport {{ describeSchedule }};\n")
    );
    assert_eq!(exports("src/jobs/schedule.js", &out.target_text), set(&["every", "runAt", "describeSchedule", "scheduleSummary"]));

    let facade = &out.source_text;
    assert_eq!(exports("src/jobs/queue.js", facade), exports("src/jobs/queue.js", &source));
    assert_eq!(dangling("src/jobs/queue.js", facade, &source), Vec::<String>::new());
    assert!(facade.contains(
        "import config, { limits } from './config.js';\n\
         import { every, runAt, scheduleSummary } from './schedule.js';\n\
         export { every, runAt, scheduleSummary };\n\n\
         export const DEFAULT_PRIORITY = 5;\n"
    ));
    // `delay` is still used by the queue itself.
    assert!(facade.contains("import { setTimeout as delay } from 'node:timers/promises';\n"));
    assert!(facade.ends_with("export default function createQueue(options) {\n  return new Queue(options);\n}\n"), "{facade}");
}

#[test]
fn esm_import_lists_are_cut_to_what_moved_code_uses() {
    let source = fixture("queue.js");
    let symbols = names(&["backoff", "MAX_BACKOFF_MS"]);
    let spec = ExtractSpec {
        source_path: "src/jobs/queue.js",
        source_text: &source,
        target_path: "src/jobs/retry/backoff.js",
        symbols: &symbols,
        format: ModuleFormat::Esm,
    };
    let out = extract(&spec).unwrap();
    assert_eq!(out.moved, names(&["MAX_BACKOFF_MS", "backoff"]));
    let backoff = slice(&source, "/** Exponential backoff", "MAX_BACKOFF_MS);\n}");
    assert_eq!(
        out.target_text,
        format!("import {{ limits }} from '../config.js';\n\nconst MAX_BACKOFF_MS = 30_000;\n\n{backoff}\n\nexport {{ MAX_BACKOFF_MS }};\n")
    );
    // `backoff` was exported and is used by Queue; MAX_BACKOFF_MS is neither here any more.
    assert!(out.source_text.contains("import { backoff } from './retry/backoff.js';\nexport { backoff };\n"));
    assert!(out.source_text.contains("export const DEFAULT_PRIORITY = 5;\n\nlet counter = 0;\n"));
    assert_eq!(exports("src/jobs/queue.js", &out.source_text), exports("src/jobs/queue.js", &source));
    assert_eq!(dangling("src/jobs/queue.js", &out.source_text, &source), Vec::<String>::new());

    // The default export needs the Queue class, which would stay.
    let symbols = names(&["createQueue"]);
    assert_eq!(
        extract(&ExtractSpec { symbols: &symbols, ..spec }).unwrap_err(),
        ExtractError::NeedsLocal {
            symbol: "createQueue".into(),
            // Queue, and what Queue needs in turn.
            uses: names(&["DEFAULT_PRIORITY", "MAX_BACKOFF_MS", "backoff", "counter", "jobId", "Queue"]),
        }
    );
}

#[test]
fn a_default_export_moves_and_is_reexported() {
    let source = "// greetings\n\nexport const greeting = 'hi';\n\n/** Says hello. */\nexport default async function greet(name) {\n  return `${greeting}, ${name}`;\n}\n";
    let symbols = names(&["greet", "greeting"]);
    let spec = ExtractSpec { source_path: "a.mjs", source_text: source, target_path: "lib/greet.mjs", symbols: &symbols, format: ModuleFormat::Esm };
    let out = extract(&spec).unwrap();
    assert_eq!(out.target_text, "export const greeting = 'hi';\n\n/** Says hello. */\nexport default async function greet(name) {\n  return `${greeting}, ${name}`;\n}\n");
    assert_eq!(out.source_text, "// greetings\n\nimport greet, { greeting } from './lib/greet.mjs';\nexport { greeting, greet as default };\n");
    assert_eq!(exports("a.mjs", &out.source_text), set(&["default", "greeting"]));
}

#[test]
fn typescript_types_move_with_their_code() {
    let source = fixture("rates.ts");
    let run = |symbols: &[&str]| {
        extract(&ExtractSpec {
            source_path: "src/pricing/rates.ts",
            source_text: &source,
            target_path: "src/pricing/card.ts",
            symbols: &names(symbols),
            format: ModuleFormat::Esm,
        })
    };
    // Type references count: rateFor needs the interface, the alias and the enum.
    assert_eq!(
        run(&["rateFor"]).unwrap_err(),
        ExtractError::NeedsLocal { symbol: "rateFor".into(), uses: names(&["RateCard", "Region", "Tier", "REGION_CURRENCY"]) }
    );
    let out = run(&["rateFor", "Tier", "REGION_CURRENCY", "Region", "RateCard"]).unwrap();
    assert_eq!(out.moved, names(&["RateCard", "Region", "Tier", "REGION_CURRENCY", "rateFor"]));
    let first = slice(&source, "export interface RateCard", "export type Region = 'eu' | 'uk' | 'us';");
    let second = slice(&source, "enum Tier {", "dailyCap: tier === Tier.Pro ? { ...hourly, cents: hourly.cents * 8 } : undefined };\n}");
    assert_eq!(
        out.target_text,
        format!("import type {{ Money }} from '../money';\nimport {{ convert, money }} from '../money';\n\n{first}\n\n{second}\n\nexport {{ Tier }};\n")
    );
    assert_eq!(exports("src/pricing/card.ts", &out.target_text), set(&["RateCard", "Region", "Tier", "REGION_CURRENCY", "rateFor"]));

    let facade = &out.source_text;
    assert_eq!(exports("src/pricing/rates.ts", facade), exports("src/pricing/rates.ts", &source));
    assert_eq!(dangling("src/pricing/rates.ts", facade, &source), Vec::<String>::new());
    // The file imports without extensions, so the facade does too; types are marked.
    assert!(facade.contains(
        "import type { Money } from '../money';\n\
         import { type RateCard, type Region, Tier, REGION_CURRENCY, rateFor } from './card';\n\
         export { type RateCard, type Region, REGION_CURRENCY, rateFor };\n\n\
         interface Discount {"
    ), "{facade}");
    assert!(!facade.contains("convert"));
    assert!(!facade.contains("\n\n\n"));
}

#[test]
fn overloads_move_together_and_import_attributes_survive() {
    let source = "import data, { extra } from './data.json' with { type: 'json' }\n\
        export function pick(key: string): string\n\
        export function pick(key: number): string\n\
        export function pick(key: string | number): string {\n  return String(data[key])\n}\n\
        export const other = extra\n";
    let symbols = names(&["pick"]);
    let spec = ExtractSpec { source_path: "a.ts", source_text: source, target_path: "pick.ts", symbols: &symbols, format: ModuleFormat::Esm };
    let out = extract(&spec).unwrap();
    assert_eq!(out.moved, names(&["pick"]));
    assert_eq!(
        out.target_text,
        "import data from './data.json' with { type: 'json' }\n\n\
         export function pick(key: string): string\n\
         export function pick(key: number): string\n\
         export function pick(key: string | number): string {\n  return String(data[key])\n}\n"
    );
    assert_eq!(
        out.source_text,
        "import data, { extra } from './data.json' with { type: 'json' }\n\
         import { pick } from './pick.js';\nexport { pick };\n\
         export const other = extra\n"
    );
}

#[test]
fn comments_on_the_same_line_move_along() {
    let source = "const a = 1; // one\nconst b = 2; /* two */\nconst c = a + 1;\nmodule.exports = { b, c };\n";
    let symbols = names(&["b"]);
    let spec = ExtractSpec { source_path: "x.js", source_text: source, target_path: "y.js", symbols: &symbols, format: ModuleFormat::Cjs };
    let out = extract(&spec).unwrap();
    assert_eq!(out.target_text, "const b = 2; /* two */\n\nmodule.exports = { b };\n");
    // No import above, so the require goes first.
    assert_eq!(out.source_text, "const { b } = require('./y');\n\nconst a = 1; // one\nconst c = a + 1;\nmodule.exports = { b, c };\n");
    // A `#!` line is not a leading comment: it stays on top.
    let source = "#!/usr/bin/env node\nfunction a() {}\nfunction b() {\n  a();\n}\nb();\n";
    let symbols = names(&["a"]);
    let spec = ExtractSpec { source_path: "bin/x.js", source_text: source, target_path: "bin/a.js", symbols: &symbols, format: ModuleFormat::Cjs };
    let out = extract(&spec).unwrap();
    assert_eq!(out.target_text, "function a() {}\n\nmodule.exports = { a };\n");
    assert_eq!(out.source_text, "#!/usr/bin/env node\nconst { a } = require('./a');\n\nfunction b() {\n  a();\n}\nb();\n");
}

#[test]
fn commonjs_requires_are_cut_per_declarator_and_property() {
    let source = "const fs = require('fs'), path = require('path');\nconst { join, resolve: res, sep } = require('path');\nfunction where(p) {\n  return res(join(p, 'x'));\n}\nfunction exists(p) {\n  return fs.existsSync(path.join(p, sep));\n}\nmodule.exports = { where, exists };\n";
    let symbols = names(&["where"]);
    let spec = ExtractSpec { source_path: "lib/a.js", source_text: source, target_path: "where.js", symbols: &symbols, format: ModuleFormat::Cjs };
    let out = extract(&spec).unwrap();
    assert_eq!(out.target_text, "const { join, resolve: res } = require('path');\n\nfunction where(p) {\n  return res(join(p, 'x'));\n}\n\nmodule.exports = { where };\n");
    assert_eq!(out.source_text, "const fs = require('fs'), path = require('path');\nconst { join, resolve: res, sep } = require('path');\nconst { where } = require('../where');\nfunction exists(p) {\n  return fs.existsSync(path.join(p, sep));\n}\nmodule.exports = { where, exists };\n");
}

#[test]
fn dependents_using_only_moved_names_are_rewired() {
    let moved = names(&SECTION_2);
    let routes = fixture("routes-invoices.js");
    let rewired = rewire("src/routes/invoices.js", &routes, "src/billing.js", "src/billing/invoices.js", &moved, ModuleFormat::Cjs);
    assert_eq!(rewired, Some(routes.replace("require(\"../billing\")", "require(\"../billing/invoices\")")));
    assert_ne!(rewired.as_deref(), Some(routes.as_str()));
    // Also takes BillingRun, which stays: the require is split, one per module, each name kept as written.
    let nightly = fixture("jobs-nightly.js");
    let split = rewire("src/jobs/nightly.js", &nightly, "src/billing.js", "src/billing/invoices.js", &moved, ModuleFormat::Cjs).unwrap();
    assert!(split.contains("const { BillingRun } = require('../billing.js');\nconst { renderInvoice } = require('../billing/invoices');\n"), "{split}");
    assert_eq!(split.lines().count(), nightly.lines().count() + 1);
}

#[test]
fn esm_and_member_imports_are_rewired_one_by_one() {
    let moved = names(&["every", "runAt", "scheduleSummary"]);
    let app = "import { every, runAt as at } from './jobs/queue.js';\n\
               import { Queue, every as ev } from './jobs/queue.js';\n\
               import createQueue from './jobs/queue.js';\n\
               import * as jobs from './jobs/queue.js';\n\
               export { scheduleSummary } from './jobs/queue';\n\
               import { every as other } from './other.js';\n";
    let out = rewire("src/app.js", app, "src/jobs/queue.js", "src/jobs/schedule.js", &moved, ModuleFormat::Esm).unwrap();
    assert_eq!(
        out,
        "import { every, runAt as at } from './jobs/schedule.js';\n\
         import { Queue } from './jobs/queue.js';\n\
         import { every as ev } from './jobs/schedule.js';\n\
         import createQueue from './jobs/queue.js';\n\
         import * as jobs from './jobs/queue.js';\n\
         export { scheduleSummary } from './jobs/schedule';\n\
         import { every as other } from './other.js';\n"
    );
    assert_eq!(rewire("src/app.js", "import { Queue } from './jobs/queue.js';\n", "src/jobs/queue.js", "src/jobs/schedule.js", &moved, ModuleFormat::Esm), None);

    // `require(...).name`, a directory's index, and a TypeScript file imported as `.js`.
    let dep = "const every = require('./lib').every;\nconst lib = require('./lib');\n";
    assert_eq!(
        rewire("main.js", dep, "lib/index.js", "lib/every.js", &moved, ModuleFormat::Cjs).as_deref(),
        Some("const every = require('./lib/every').every;\nconst lib = require('./lib');\n")
    );
    let ts = "import { every } from '../queue.js';\n";
    assert_eq!(
        rewire("src/a/b.ts", ts, "src/queue.ts", "src/sched/every.ts", &moved, ModuleFormat::Esm).as_deref(),
        Some("import { every } from '../sched/every.js';\n")
    );
}

#[test]
fn cut_leaves_single_blank_lines() {
    let text = "a();\n\n\nb();\n\nc();\nd();\n";
    let b = text.find("b();").unwrap() as u32;
    assert_eq!(cut(text, &[(b, b + 4)]), "a();\n\nc();\nd();\n");
    let c = text.find("c();").unwrap() as u32;
    assert_eq!(cut(text, &[(c, c + 4)]), "a();\n\n\nb();\n\nd();\n");
    assert_eq!(cut(text, &[(b, b + 4), (c, c + 4)]), "a();\n\nd();\n");
    assert_eq!(cut(text, &[(0, 4)]), "b();\n\nc();\nd();\n");
    let d = text.find("d();").unwrap() as u32;
    assert_eq!(cut(text, &[(d, d + 4)]), "a();\n\n\nb();\n\nc();\n");
}

#[test]
fn a_file_moved_whole_has_every_top_level_import_of_it_re_pointed() {
    // The source is gone: namespace, default and whole-module imports move too, and `export *`;
    // an import of another module, and one inside a function, are left (the gate sees the latter).
    let app = "import createQueue from './jobs/queue.js';\n\
               import * as jobs from './jobs/queue.js';\n\
               import { every as ev } from './jobs/queue';\n\
               export * from './jobs/queue.js';\n\
               import { other } from './other.js';\n\
               function late() {\n  return import('./jobs/queue.js');\n}\n";
    let out = rewire_moved_file("src/app.js", app, "src/jobs/queue.js", "src/jobs/schedule.js", ModuleFormat::Esm).unwrap();
    assert_eq!(
        out,
        "import createQueue from './jobs/schedule.js';\n\
         import * as jobs from './jobs/schedule.js';\n\
         import { every as ev } from './jobs/schedule';\n\
         export * from './jobs/schedule.js';\n\
         import { other } from './other.js';\n\
         function late() {\n  return import('./jobs/queue.js');\n}\n"
    );
    let cjs = "const lib = require('./lib/strings');\nconst up = require('./lib/strings').up;\n";
    assert_eq!(
        rewire_moved_file("main.js", cjs, "lib/strings.js", "lib/text.js", ModuleFormat::Cjs).as_deref(),
        Some("const lib = require('./lib/text');\nconst up = require('./lib/text').up;\n")
    );
    assert_eq!(rewire_moved_file("main.js", "const x = require('./x');\n", "lib/strings.js", "lib/text.js", ModuleFormat::Cjs), None);
}
