//! The plan: what L1 decided to do with each file. Plain data shared by every later stage.

use serde::{Deserialize, Serialize};

use crate::protocol::Action;

/// The name a plan's JSON schema goes by in a `response_format` request.
pub(crate) const PLAN_SCHEMA_NAME: &str = "red_exec_plan";

/// What one run's plan can hold, from its scope and task: the schema it sends is the type's schema
/// narrowed to this. A server that turns a schema into a grammar may make every property
/// mandatory (node-llama-cpp does: it ignores `required`), and a small model then fills in
/// `sections`, `from` or `dropExports` where they make no sense; so a property that cannot apply
/// to this run is left out of the schema, and the actions that cannot apply out of its enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanShape {
    /// The files the plan may name (empty: any path).
    pub(crate) scope: Vec<String>,
    /// Those that exist (EXTRACT's `from` must be one).
    pub(crate) existing: Vec<String>,
    /// The actions the plan can use.
    pub(crate) actions: Vec<Action>,
    /// The most sections of one file in scope worked on section by section (0: none is).
    pub(crate) sections: usize,
    /// The task asks for something to go: `dropExports` can apply.
    pub(crate) drop_exports: bool,
}

impl PlanShape {
    /// Anything the type allows: the schema of `PlanEntry` itself.
    #[cfg(test)]
    pub(crate) fn any(scope: &[String]) -> PlanShape {
        PlanShape { scope: scope.to_vec(), existing: scope.to_vec(), actions: Action::ALL.to_vec(), sections: usize::MAX, drop_exports: true }
    }
}

/// The JSON schema of the plan answer `{"actions": [PlanEntry...]}` for any plan, written beside
/// the type (the tests below hold it to `PlanEntry`'s serde form: the same properties, the same
/// required fields, the same action names). `scope`: the files the plan may name; when given,
/// `path` and `from` are limited to them. Only the keywords the JSON-schema-to-grammar converters
/// of the small local servers know: `type`, `properties`, `required`, `items`, `minItems`,
/// `maxItems`, `maxLength`, `enum`, `additionalProperties` (no `$ref`, `oneOf` or type lists).
#[cfg(test)]
fn plan_schema(scope: &[String]) -> serde_json::Value {
    plan_schema_for(&PlanShape::any(scope))
}

/// The plan schema narrowed to one run (see PlanShape). Bounds keep a constrained model from
/// running on: an intent of at most 400 characters, at most 64 names in a list, no more sections
/// than the largest file has.
pub(crate) fn plan_schema_for(shape: &PlanShape) -> serde_json::Value {
    use serde_json::json;
    let one_of = |paths: &[String]| if paths.is_empty() { json!({ "type": "string" }) } else { json!({ "type": "string", "enum": paths }) };
    let names = json!({ "type": "array", "items": { "type": "string" }, "maxItems": 64 });
    let mut props = serde_json::Map::new();
    props.insert("path".into(), one_of(&shape.scope));
    props.insert("action".into(), json!({ "type": "string", "enum": shape.actions.iter().map(|a| a.name()).collect::<Vec<_>>() }));
    props.insert("intent".into(), json!({ "type": "string", "maxLength": 400 }));
    if shape.actions.contains(&Action::Extract) {
        props.insert("from".into(), one_of(&shape.existing));
        props.insert("symbols".into(), names.clone());
        props.insert("rewire".into(), json!({ "type": "boolean" }));
    }
    if shape.sections > 0 && shape.actions.contains(&Action::Modify) {
        let mut sections = json!({ "type": "array", "items": { "type": "string" } });
        if shape.sections != usize::MAX {
            sections["maxItems"] = json!(shape.sections);
        }
        props.insert("sections".into(), sections);
    }
    if shape.drop_exports && shape.actions.contains(&Action::Modify) {
        props.insert("dropExports".into(), names.clone());
    }
    if shape.actions.iter().any(|a| matches!(a, Action::Create | Action::Modify)) {
        props.insert("exports".into(), names);
    }
    let entry = json!({
        "type": "object",
        "properties": props,
        "required": ["path", "action", "intent"],
        "additionalProperties": false,
    });
    // At least one entry (a small model held to a grammar otherwise likes `[]`), at most one per file.
    let mut actions = json!({ "type": "array", "items": entry, "minItems": 1 });
    if !shape.scope.is_empty() {
        actions["maxItems"] = json!(shape.scope.len());
    }
    json!({
        "type": "object",
        "properties": { "actions": actions },
        "required": ["actions"],
        "additionalProperties": false,
    })
}

/// A JSON schema as it is sent: each `properties` map with the names its object `required`s first,
/// in that order, then the rest by name. A server that turns the schema into a grammar writes the
/// properties in the schema's order: with `path`, `action`, `intent` first a small model can close
/// the object after them, instead of being offered `dropExports` (the first name alphabetically,
/// as `serde_json::Value` keeps keys) before anything else.
pub(crate) struct OrderedSchema<'a>(pub &'a serde_json::Value, Option<&'a [serde_json::Value]>);

impl serde::Serialize for OrderedSchema<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        use serde_json::Value;
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                if let Some(first) = self.1 {
                    // A stable sort: the names not required keep their order by name.
                    keys.sort_by_key(|k| first.iter().position(|r| r.as_str() == Some(k.as_str())).unwrap_or(usize::MAX));
                }
                let required = map.get("required").and_then(Value::as_array).map(Vec::as_slice);
                let mut m = s.serialize_map(Some(keys.len()))?;
                for k in keys {
                    let inner = if k == "properties" { required } else { None };
                    m.serialize_entry(k, &OrderedSchema(&map[k], inner))?;
                }
                m.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&OrderedSchema(item, None))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// A JSON schema in a request: read as any JSON, written in the order OrderedSchema gives.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct JsonSchema(pub serde_json::Value);

impl Serialize for JsonSchema {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OrderedSchema(&self.0, None).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::PlanEntry;
    use crate::decompose::parse_plan;
    use serde_json::{Value, json};
    use std::collections::BTreeSet;

    fn entry_schema(schema: &Value) -> &Value {
        &schema["properties"]["actions"]["items"]
    }

    /// A PlanEntry with every field set, as serde writes it: every key the type has.
    fn full_entry() -> Value {
        serde_json::to_value(PlanEntry {
            path: "src/a.js".into(),
            action: Action::Extract,
            intent: "move it".into(),
            from: Some("src/b.js".into()),
            symbols: vec!["f".into()],
            sections: vec!["#1".into()],
            rewire: true,
            drop_exports: vec!["g".into()],
            exports: vec!["f".into()],
        })
        .unwrap()
    }

    #[test]
    fn the_schema_has_the_types_properties() {
        let schema = plan_schema(&[]);
        let props: BTreeSet<&String> = entry_schema(&schema)["properties"].as_object().unwrap().keys().collect();
        let full = full_entry();
        let keys: BTreeSet<&String> = full.as_object().unwrap().keys().collect();
        assert_eq!(props, keys);
        assert_eq!(entry_schema(&schema)["additionalProperties"], json!(false));
    }

    #[test]
    fn the_schemas_required_fields_are_the_ones_serde_requires() {
        let schema = plan_schema(&[]);
        let required: BTreeSet<String> =
            entry_schema(&schema)["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        let full = full_entry();
        for key in full.as_object().unwrap().keys() {
            let mut without = full.clone();
            without.as_object_mut().unwrap().remove(key);
            let parses = serde_json::from_value::<PlanEntry>(without).is_ok();
            assert_eq!(!parses, required.contains(key), "{key}: serde {} it, the schema {} it", if parses { "does not require" } else { "requires" }, if required.contains(key) { "requires" } else { "does not require" });
        }
    }

    #[test]
    fn the_schemas_actions_are_the_enums_names() {
        let schema = plan_schema(&[]);
        let names: Vec<Value> = Action::ALL.iter().map(|a| serde_json::to_value(a).unwrap()).collect();
        assert_eq!(entry_schema(&schema)["properties"]["action"]["enum"], Value::Array(names));
        // ALL holds every variant: each parses back from its name.
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(a));
        }
    }

    /// An instance of `schema` that uses every property (`all`) or only the required ones, with
    /// `pick` choosing among an enum's values.
    fn instance(schema: &Value, all: bool, pick: usize) -> Value {
        if let Some(values) = schema["enum"].as_array() {
            return values[pick % values.len()].clone();
        }
        match schema["type"].as_str().unwrap() {
            "object" => {
                let required: Vec<&str> = schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let mut out = serde_json::Map::new();
                for (k, sub) in schema["properties"].as_object().unwrap() {
                    if all || required.contains(&k.as_str()) {
                        out.insert(k.clone(), instance(sub, all, pick));
                    }
                }
                Value::Object(out)
            }
            "array" => json!([instance(&schema["items"], all, pick)]),
            "string" => json!("x"),
            "boolean" => json!(true),
            other => panic!("a keyword the schema should not use: {other}"),
        }
    }

    #[test]
    fn a_plan_the_schema_accepts_parses_with_the_strict_parse() {
        let scope = vec!["src/a.js".to_string(), "src/b.js".to_string()];
        for schema in [plan_schema(&[]), plan_schema(&scope)] {
            for all in [false, true] {
                for pick in 0..Action::ALL.len() {
                    let plan = instance(&schema, all, pick);
                    let text = plan.to_string();
                    let parsed = parse_plan(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    let by_serde: Vec<PlanEntry> = serde_json::from_value(plan["actions"].clone()).unwrap();
                    assert_eq!(parsed, by_serde, "{text}");
                    assert_eq!(parsed[0].action, Action::ALL[pick]);
                }
            }
        }
    }

    #[test]
    fn the_schema_is_sent_with_the_required_properties_first() {
        let schema = plan_schema(&[]);
        let text = serde_json::to_string(&OrderedSchema(&schema, None)).unwrap();
        let entry = &text[text.find("\"items\":{\"additionalProperties\"").unwrap()..];
        let at = |name: &str| entry.find(&format!("\"{name}\":{{")).unwrap_or_else(|| panic!("{name} in {entry}"));
        let order = ["path", "action", "intent", "dropExports", "exports", "from", "rewire", "sections", "symbols"];
        for pair in order.windows(2) {
            assert!(at(pair[0]) < at(pair[1]), "{} before {}: {entry}", pair[0], pair[1]);
        }
        // The same schema, only the order differs.
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), schema);
    }

    #[test]
    fn a_narrowed_schema_is_the_types_schema_less_what_cannot_apply_and_its_plans_parse() {
        let full = plan_schema(&[]);
        let full_props = entry_schema(&full)["properties"].as_object().unwrap().clone();
        let scope = vec!["src/a.js".to_string(), "src/b.js".to_string()];
        // One existing file, nothing to remove: MODIFY only, with its exports (the polyglot shape).
        let small = PlanShape { scope: scope[..1].to_vec(), existing: scope[..1].to_vec(), actions: vec![Action::Modify], sections: 0, drop_exports: false };
        let s = plan_schema_for(&small);
        let keys: Vec<&String> = entry_schema(&s)["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["action", "exports", "intent", "path"]);
        assert_eq!(entry_schema(&s)["properties"]["action"]["enum"], json!(["MODIFY"]));
        let sets = [vec![Action::Create], vec![Action::Modify, Action::Delete], Action::ALL.to_vec(), vec![Action::Create, Action::Modify, Action::Extract]];
        for actions in sets {
            for (sections, drop_exports) in [(0, false), (3, true)] {
                let shape = PlanShape { scope: scope.clone(), existing: scope[1..].to_vec(), actions: actions.clone(), sections, drop_exports };
                let schema = plan_schema_for(&shape);
                let props = entry_schema(&schema)["properties"].as_object().unwrap();
                for (k, v) in props {
                    let type_of = |v: &Value| v["type"].clone();
                    assert_eq!(type_of(v), type_of(&full_props[k]), "{k}: a property of the type's schema, of the same type");
                }
                for pick in 0..actions.len() {
                    for all in [false, true] {
                        let plan = instance(&schema, all, pick);
                        let parsed = parse_plan(&plan.to_string()).unwrap_or_else(|e| panic!("{plan}: {e}"));
                        assert_eq!(parsed[0].action, actions[pick]);
                    }
                }
            }
        }
    }

    #[test]
    fn a_scope_limits_the_paths() {
        let scope = vec!["src/a.js".to_string()];
        let schema = plan_schema(&scope);
        assert_eq!(entry_schema(&schema)["properties"]["path"]["enum"], json!(["src/a.js"]));
        assert_eq!(entry_schema(&schema)["properties"]["from"]["enum"], json!(["src/a.js"]));
        assert_eq!(entry_schema(&plan_schema(&[]))["properties"]["path"], json!({ "type": "string" }));
        // One entry at least, one per file at most.
        assert_eq!((&schema["properties"]["actions"]["minItems"], &schema["properties"]["actions"]["maxItems"]), (&json!(1), &json!(1)));
        assert_eq!(plan_schema(&[])["properties"]["actions"].get("maxItems"), None);
    }
}
