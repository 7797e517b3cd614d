//! The JSON Schemas checked into `contracts/schemas/` match the Rust types.
//!
//! Regenerate with `cargo xtask schemas`, or
//! `ORDERFLOW_UPDATE_SCHEMAS=1 cargo test -p orderflow-contracts --test schemas`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use orderflow_contracts::{schemas, topic_of, write_schemas};
use serde_json::Value;

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

fn checked_in(dir: &Path) -> BTreeMap<String, Result<Value, String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            (name, serde_json::from_str(&text).map_err(|e| e.to_string()))
        })
        .collect()
}

#[test]
fn checked_in_schemas_match_the_types() {
    let dir = schema_dir();
    if std::env::var_os("ORDERFLOW_UPDATE_SCHEMAS").is_some_and(|v| v == "1") {
        write_schemas(&dir).unwrap();
    }

    let mut files = checked_in(&dir);
    let mut problems = Vec::new();
    for (event_type, schema) in schemas() {
        let name = format!("{event_type}.json");
        match files.remove(&name) {
            None => problems.push(format!("missing {name}")),
            Some(Err(err)) => problems.push(format!("{name} is not valid JSON: {err}")),
            Some(Ok(found)) if found != schema => problems.push(format!("{name} is outdated")),
            Some(Ok(_)) => {}
        }
    }
    problems.extend(files.into_keys().map(|name| format!("unexpected {name}")));

    assert!(
        problems.is_empty(),
        "contracts/schemas/ does not match the contract types:\n  {}\n\
         Run `cargo xtask schemas` (or `ORDERFLOW_UPDATE_SCHEMAS=1 cargo test -p \
         orderflow-contracts --test schemas`) and review the diff.",
        problems.join("\n  ")
    );
}

#[test]
fn every_schema_describes_an_object_of_a_registered_type() {
    for (event_type, schema) in schemas() {
        assert!(topic_of(event_type).is_some(), "{event_type} has no topic");
        assert_eq!(schema["type"], "object", "{event_type}");
        assert!(
            !schema["required"].as_array().unwrap().is_empty(),
            "{event_type}"
        );
        assert_ne!(
            schema["additionalProperties"],
            Value::Bool(false),
            "{event_type} must accept unknown fields"
        );
    }
}

#[test]
fn write_schemas_writes_every_schema_and_removes_stale_ones() {
    let dir = std::env::temp_dir().join(format!(
        "orderflow-contracts-schemas-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("orderflow.order.placed.v0.json"), "{}\n").unwrap();
    std::fs::write(dir.join("README.md"), "kept\n").unwrap();

    write_schemas(&dir).unwrap();

    let files = checked_in(&dir);
    let expected: Vec<_> = schemas()
        .into_iter()
        .map(|(t, _)| format!("{t}.json"))
        .collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), expected_sorted);
    assert!(dir.join("README.md").exists());

    let text = std::fs::read_to_string(dir.join(&expected[0])).unwrap();
    assert!(
        text.ends_with("}\n") && text.contains("\n  \""),
        "pretty with a trailing newline"
    );

    std::fs::remove_dir_all(&dir).unwrap();
}
