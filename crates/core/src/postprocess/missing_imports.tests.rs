//! Tests of `postprocess/missing_imports`.

use super::super::test_support::*;
use super::*;


#[test]
fn cjs_merges_into_the_existing_require_and_adds_a_new_one_after_the_last() {
    let n = facts(&[
        ("src/lib/money.js", fixture!("cjs/src/lib/money.js")),
        ("src/lib/validate.js", fixture!("cjs/src/lib/validate.js")),
    ]);
    let (out, fixes) = recover_missing_imports(
        "src/routes/orders.js",
        fixture!("cjs/src/routes/orders.js"),
        ModuleFormat::Cjs,
        &neighbours(&n),
    );
    assert_eq!(out, fixture!("cjs/src/routes/orders.expected.js"));
    // `roundCents` is a parameter where it is used: resolved, so never imported.
    assert_eq!(
        descriptions(&fixes),
        [
            "added `const { formatPrice } = require('../lib/money');` (exported by src/lib/money.js)",
            "added sanitize to the existing import of '../lib/validate' (exported by src/lib/validate.js)",
        ]
    );
    assert!(fixes.iter().all(|f| f.pass == MISSING_IMPORTS));
}

#[test]
fn esm_without_imports_goes_below_the_header_comment() {
    let n = facts(&[
        ("src/tax.js", fixture!("esm/src/tax.js")),
        ("src/util/format.js", fixture!("esm/src/util/format.js")),
    ]);
    let (out, fixes) =
        recover_missing_imports("src/cart.js", fixture!("esm/src/cart.js"), ModuleFormat::Esm, &neighbours(&n));
    assert_eq!(out, fixture!("esm/src/cart.expected.js"));
    assert_eq!(fixes.len(), 2);
}

#[test]
fn esm_merges_named_imports_but_not_into_a_namespace_import() {
    let n = facts(&[
        ("src/tax.js", fixture!("esm/src/tax.js")),
        ("src/util/format.js", fixture!("esm/src/util/format.js")),
    ]);
    let (out, fixes) = recover_missing_imports(
        "src/util/checkout.js",
        fixture!("esm/src/util/checkout.js"),
        ModuleFormat::Esm,
        &neighbours(&n),
    );
    assert_eq!(out, fixture!("esm/src/util/checkout.expected.js"));
    assert_eq!(
        descriptions(&fixes),
        [
            "added TAX_RATE to the existing import of '../tax.js' (exported by src/tax.js)",
            "added `import { currency } from './format.js';` (exported by src/util/format.js)",
        ]
    );
}

#[test]
fn typescript_imports_types_with_import_type_and_names_the_compiled_js() {
    let n = facts(&[("src/model.ts", fixture!("ts/src/model.ts")), ("src/db.ts", fixture!("ts/src/db.ts"))]);
    let (out, fixes) =
        recover_missing_imports("src/service.ts", fixture!("ts/src/service.ts"), ModuleFormat::Esm, &neighbours(&n));
    assert_eq!(out, fixture!("ts/src/service.expected.ts"));
    assert_eq!(fixes.len(), 2);
}

#[test]
fn a_name_two_neighbours_export_is_left_alone() {
    let n = facts(&[
        ("src/text.js", fixture!("ambiguous/src/text.js")),
        ("src/strings.js", fixture!("ambiguous/src/strings.js")),
        ("src/view.js", fixture!("ambiguous/src/view.js")),
    ]);
    let (out, fixes) =
        recover_missing_imports("src/page.js", fixture!("ambiguous/src/page.js"), ModuleFormat::Cjs, &neighbours(&n));
    // `titleCase` has one home and is imported; `slugify` has two and is not.
    assert_eq!(out, fixture!("ambiguous/src/page.expected.js"));
    assert_eq!(descriptions(&fixes), ["added `const { titleCase } = require('./text');` (exported by src/text.js)"]);
}

#[test]
fn globals_are_never_imported_even_when_a_neighbour_exports_them() {
    let n = facts(&[("src/polyfills.js", fixture!("globals/src/polyfills.js"))]);
    assert!(n[0].exports.contains("fetch") && n[0].exports.contains("Map"));
    let input = fixture!("globals/src/client.js");
    let (out, fixes) = recover_missing_imports("src/client.js", input, ModuleFormat::Cjs, &neighbours(&n));
    assert_eq!(out, input);
    assert!(fixes.is_empty(), "{fixes:?}");
}

#[test]
fn assigned_names_type_only_names_in_cjs_and_self_exports_are_skipped() {
    let e = exports(&["counter", "Options", "helper"]);
    let n = [Neighbour { path: "src/shared.js", exports: &e, format: Some(ModuleFormat::Cjs), planned: &[] }];
    // `counter = ...` would assign to a read-only import binding.
    let src = "counter = helper(1);\n";
    let (out, _) = recover_missing_imports("src/a.js", src, ModuleFormat::Cjs, &n);
    assert_eq!(out, "const { helper } = require('./shared');\n\ncounter = helper(1);\n");
    // A CommonJS TypeScript file cannot require a type.
    let (out, fixes) = recover_missing_imports("src/a.ts", "let o: Options;\n", ModuleFormat::Cjs, &n);
    assert_eq!((out.as_str(), fixes.len()), ("let o: Options;\n", 0));
    // The file itself is not its own provider.
    let self_only = [Neighbour { path: "src/a.js", exports: &e, format: None, planned: &[] }];
    let (out, _) = recover_missing_imports("src/a.js", "helper();\n", ModuleFormat::Cjs, &self_only);
    assert_eq!(out, "helper();\n");
}

#[test]
fn default_exports_are_not_the_general_pass_business() {
    let n = facts(&[("src/models/user.js", fixture!("extends-cjs/src/models/user.js"))]);
    let input = fixture!("extends-cjs/src/models/admin.js");
    let (out, fixes) = recover_missing_imports("src/models/admin.js", input, ModuleFormat::Cjs, &neighbours(&n));
    assert_eq!((out.as_str(), fixes.len()), (input, 0));
}

#[test]
fn new_imports_follow_directives_and_skip_code_on_the_anchor_line() {
    let e = exports(&["helper"]);
    let n = [Neighbour { path: "lib/helper.js", exports: &e, format: None, planned: &[] }];
    let (out, _) = recover_missing_imports("main.js", "'use strict';\nhelper();\n", ModuleFormat::Cjs, &n);
    assert_eq!(out, "'use strict';\nconst { helper } = require('./lib/helper');\nhelper();\n");
    // Code after the last require on its line may open a block: insert right after the require.
    let src = "const a = require('a'); function f() {\n  return helper(a);\n}\n";
    let (out, _) = recover_missing_imports("main.js", src, ModuleFormat::Cjs, &n);
    assert_eq!(
        out,
        "const a = require('a');\nconst { helper } = require('./lib/helper'); function f() {\n  return helper(a);\n}\n"
    );
}

#[test]
fn jsx_components_are_references_and_crlf_files_stay_crlf() {
    let e = exports(&["Button"]);
    let n = [Neighbour { path: "src/ui/Button.jsx", exports: &e, format: Some(ModuleFormat::Esm), planned: &[] }];
    let src = "import React from 'react';\r\n\r\nexport const App = () => <Button label=\"go\" />;\r\n";
    let (out, _) = recover_missing_imports("src/App.jsx", src, ModuleFormat::Esm, &n);
    assert_eq!(
        out,
        "import React from 'react';\r\nimport { Button } from './ui/Button.jsx';\r\n\r\nexport const App = () => <Button label=\"go\" />;\r\n"
    );
}

#[test]
fn unparsable_and_non_script_files_are_returned_as_given() {
    let e = exports(&["helper"]);
    let n = [Neighbour { path: "helper.js", exports: &e, format: None, planned: &[] }];
    let (out, fixes) = recover_missing_imports("a.js", "helper(\n", ModuleFormat::Cjs, &n);
    assert_eq!((out.as_str(), fixes.len()), ("helper(\n", 0));
    let (out, fixes) = recover_missing_imports("a.json", "{\"helper\": 1}", ModuleFormat::Cjs, &n);
    assert_eq!((out.as_str(), fixes.len()), ("{\"helper\": 1}", 0));
}

#[test]
fn typescript_cjs_and_nested_paths_use_the_shared_specifiers() {
    let e = exports(&["helper"]);
    let n = [Neighbour { path: "src/lib/helper.ts", exports: &e, format: None, planned: &[] }];
    let (out, _) = recover_missing_imports("src/x/y/a.ts", "helper();\n", ModuleFormat::Esm, &n);
    assert_eq!(out, "import { helper } from '../../lib/helper.js';\n\nhelper();\n");
    let (out, _) = recover_missing_imports("src/x/y/a.ts", "helper();\n", ModuleFormat::Cjs, &n);
    assert_eq!(out, "const { helper } = require('../../lib/helper');\n\nhelper();\n");
    // An existing `.js` import of the `.ts` file is the same module: the name joins it.
    let src = "import { other } from '../../lib/helper.js';\nhelper(other);\n";
    let (out, _) = recover_missing_imports("src/x/y/a.ts", src, ModuleFormat::Esm, &n);
    assert_eq!(out, "import { other, helper } from '../../lib/helper.js';\nhelper(other);\n");
}

#[test]
fn a_name_re_exported_but_never_imported_is_imported_from_its_one_provider() {
    // Seen live (esm-cache-layer): "Also export TtlCache from src/index.js" answered with
    // `export { TtlCache };` and no import; the retry gave the same answer.
    let n = facts(&[("src/cache.js", "export class TtlCache {}\n")]);
    let src = "import { createFetcher } from './fetcher.js';\n\nexport { createFetcher, TtlCache };\n";
    let (out, fixes) = recover_missing_imports("src/index.js", src, ModuleFormat::Esm, &neighbours(&n));
    assert_eq!(out, "import { createFetcher } from './fetcher.js';\nimport { TtlCache } from './cache.js';\n\nexport { createFetcher, TtlCache };\n");
    assert_eq!(fixes.len(), 1);
}

#[test]
fn of_two_neighbours_exporting_a_name_the_one_the_plan_declares_it_for_is_its_home() {
    // Seen live (esm-cache-layer, twice): index.js answered `export { TtlCache };` with no import while
    // fetcher.js's answer re-exported TtlCache beside src/cache.js, the file the task creates for it.
    let cache = exports(&["TtlCache"]);
    let fetcher = exports(&["createFetcher", "TtlCache"]);
    let declared = ["TtlCache".to_string()];
    let src = "import { createFetcher } from './fetcher.js';\n\nexport { createFetcher, TtlCache };\n";
    let n = [
        Neighbour { path: "src/cache.js", exports: &cache, format: Some(ModuleFormat::Esm), planned: &declared },
        Neighbour { path: "src/fetcher.js", exports: &fetcher, format: Some(ModuleFormat::Esm), planned: &[] },
    ];
    let (out, fixes) = recover_missing_imports("src/index.js", src, ModuleFormat::Esm, &n);
    assert_eq!(out, "import { createFetcher } from './fetcher.js';\nimport { TtlCache } from './cache.js';\n\nexport { createFetcher, TtlCache };\n");
    assert_eq!(descriptions(&fixes), ["added `import { TtlCache } from './cache.js';` (exported by src/cache.js)"]);

    // Without a declared home the two stay ambiguous, and so do two declared homes.
    let undeclared = [Neighbour { planned: &[], ..n[0] }, n[1]];
    assert!(recover_missing_imports("src/index.js", src, ModuleFormat::Esm, &undeclared).1.is_empty());
    let both = [n[0], Neighbour { planned: &declared, ..n[1] }];
    assert!(recover_missing_imports("src/index.js", src, ModuleFormat::Esm, &both).1.is_empty());
}
