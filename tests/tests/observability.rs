//! Keeps the Grafana dashboards (deploy/grafana/dashboards) and the Prometheus alert rules
//! (deploy/prometheus/alerts.yml) true to the services: they are well-formed, and every metric
//! their PromQL names is one the running platform exports. A renamed or misspelt metric would
//! otherwise only show up as an empty panel or an alert that can never fire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use orderflow_testkit::eventually;
use serde_json::{Value as Json, json};
use serde_norway::Value as Yaml;
use support::{PATIENCE, Shop};

/// Metrics Prometheus makes itself rather than scraping them from a service.
const PROMETHEUS_OWN: &[&str] = &["up"];

/// The suffixes of a histogram's series, which PromQL names but `# TYPE` does not.
const HISTOGRAM_SUFFIXES: &[&str] = &["_bucket", "_sum", "_count"];

/// Words of PromQL that are never metric names where they appear without a `(` after them.
const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "inf",
    "nan",
];

/// Keywords followed by a parenthesised list of label names, not an expression.
const LABEL_LIST_KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// The metric names a PromQL expression selects: identifiers that are not functions or
/// aggregations (followed by `(` or a `by`/`without` clause), keywords, label names inside
/// `{...}` or a label list, ranges `[...]`, strings, numbers or `$variables`. Histogram series
/// suffixes are kept; [`base_name`] strips them.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => i = skip_string(&chars, i),
            '{' => i = skip_group(&chars, i, '{', '}'),
            '[' => i = skip_group(&chars, i, '[', ']'),
            '$' => {
                i += 1;
                while i < chars.len() && is_ident(chars[i]) {
                    i += 1;
                }
            }
            c if c.is_ascii_digit() || (c == '.' && next_is_digit(&chars, i)) => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            c if is_ident_start(c) => {
                let start = i;
                while i < chars.len() && is_ident(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                let after = skip_spaces(&chars, i);
                let next = chars.get(after).copied();
                if LABEL_LIST_KEYWORDS.contains(&lower.as_str()) {
                    if next == Some('(') {
                        i = skip_group(&chars, after, '(', ')');
                    }
                } else if lower == "offset" {
                    // The duration after it is not a metric.
                    i = skip_word(&chars, after);
                } else if KEYWORDS.contains(&lower.as_str()) || next == Some('(') {
                    // A keyword, or a function or aggregation call.
                } else if followed_by_clause(&chars, after) {
                    // An aggregation with its `by (...)`/`without (...)` clause first.
                } else {
                    names.insert(word);
                }
            }
            _ => i += 1,
        }
    }
    names
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

fn next_is_digit(chars: &[char], i: usize) -> bool {
    chars.get(i + 1).is_some_and(char::is_ascii_digit)
}

fn skip_spaces(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

fn skip_word(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
        i += 1;
    }
    i
}

/// Whether the word at `i` is `by` or `without`: the identifier before was an aggregation.
fn followed_by_clause(chars: &[char], i: usize) -> bool {
    let end = {
        let mut j = i;
        while j < chars.len() && is_ident(chars[j]) {
            j += 1;
        }
        j
    };
    let word: String = chars[i..end]
        .iter()
        .collect::<String>()
        .to_ascii_lowercase();
    word == "by" || word == "without"
}

/// The index after the string literal opening at `start`.
fn skip_string(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote != '`' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The index after the group opening at `start`, skipping strings and nested groups.
fn skip_group(chars: &[char], start: usize, open: char, close: char) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' | '`' => {
                i = skip_string(chars, i);
                continue;
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The metric a series name belongs to: a histogram's `_bucket`/`_sum`/`_count` stripped.
fn base_name(name: &str) -> &str {
    HISTOGRAM_SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the test kit lives in the repository")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every dashboard, by file name.
fn dashboards() -> BTreeMap<String, Json> {
    let dir = repo().join("deploy/grafana/dashboards");
    let mut dashboards = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let dashboard = serde_json::from_str(&read(&path))
                .unwrap_or_else(|err| panic!("{name} is not JSON: {err}"));
            dashboards.insert(name, dashboard);
        }
    }
    dashboards
}

fn alerts() -> Yaml {
    serde_norway::from_str(&read(&repo().join("deploy/prometheus/alerts.yml"))).unwrap()
}

fn alert_rules(alerts: &Yaml) -> Vec<&Yaml> {
    alerts["groups"]
        .as_sequence()
        .expect("alerts.yml has groups")
        .iter()
        .flat_map(|group| group["rules"].as_sequence().expect("a group has rules"))
        .collect()
}

fn panels(dashboard: &Json) -> Vec<&Json> {
    let mut panels = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        if panel["type"] == "row" {
            panels.extend(panel["panels"].as_array().into_iter().flatten());
        } else {
            panels.push(panel);
        }
    }
    panels
}

/// Every PromQL expression of the dashboards and alerts, with where it comes from.
fn expressions() -> Vec<(String, String)> {
    let mut exprs = Vec::new();
    for (file, dashboard) in dashboards() {
        for panel in panels(&dashboard) {
            for target in panel["targets"].as_array().into_iter().flatten() {
                let expr = target["expr"].as_str().unwrap_or_default().to_owned();
                exprs.push((format!("{file}: {}", panel["title"]), expr));
            }
        }
        for variable in dashboard["templating"]["list"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let query = variable["query"]["query"]
                .as_str()
                .or_else(|| variable["query"].as_str())
                .unwrap_or_default();
            // `label_values(<selector>, <label>)`: only the selector is PromQL.
            if let Some(args) = query
                .strip_prefix("label_values(")
                .and_then(|args| args.strip_suffix(')'))
            {
                let selector = args.rsplit_once(',').map_or(args, |(selector, _)| selector);
                exprs.push((
                    format!("{file}: variable {}", variable["name"]),
                    selector.to_owned(),
                ));
            }
        }
    }
    for rule in alert_rules(&alerts()) {
        let expr = rule["expr"].as_str().unwrap_or_default().to_owned();
        exprs.push((format!("alerts.yml: {:?}", rule["alert"]), expr));
    }
    exprs
}

/// The metrics of a `/metrics` text: the names its `# TYPE` lines declare and its samples use.
fn exported(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| match line.strip_prefix("# TYPE ") {
            Some(typed) => typed.split_whitespace().next(),
            None if line.starts_with('#') => None,
            None => line.split(['{', ' ']).next(),
        })
        .filter(|name| !name.is_empty())
        .map(|name| base_name(name).to_owned())
        .collect()
}

#[test]
fn the_extractor_finds_metrics_but_not_functions_labels_or_keywords() {
    let cases: &[(&str, &[&str])] = &[
        ("up{job=\"orderflow\"} == 0", &["up"]),
        (
            "sum by (service, group) (increase(consumer_dead_letters_total[5m])) > 0",
            &["consumer_dead_letters_total"],
        ),
        (
            "histogram_quantile(0.99, sum by (le, outcome) (rate(saga_duration_seconds_bucket{service=~\"$service\"}[5m])))",
            &["saga_duration_seconds_bucket"],
        ),
        (
            "sum without (partition) (deriv(consumer_lag[10m])) > 0 and sum(consumer_lag) by (group) > 100",
            &["consumer_lag"],
        ),
        (
            "rate(a_total{status=~\"5..\", route=\"/x{y}\"}[$__rate_interval]) / on (service) group_left(route) b_total offset 5m",
            &["a_total", "b_total"],
        ),
        (
            "max(outbox_oldest_pending_age_seconds) > bool 60 unless absent(other_metric) or vector(1e3) > Inf",
            &["outbox_oldest_pending_age_seconds", "other_metric"],
        ),
        ("count(x) by (le) * 60", &["x"]),
    ];
    for (expr, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(metric_names(expr), expected, "{expr}");
    }
    assert_eq!(
        base_name("saga_duration_seconds_bucket"),
        "saga_duration_seconds"
    );
    assert_eq!(base_name("orders_placed_total"), "orders_placed_total");
}

#[test]
fn exported_names_come_from_type_lines_and_samples() {
    let text = "# HELP ignored_help x\n# TYPE h_seconds histogram\nh_seconds_bucket{le=\"1\"} 0\n\
                h_seconds_sum 0\nc_total{service=\"order\"} 1\ng 2\n";
    let names: Vec<String> = exported(text).into_iter().collect();
    assert_eq!(names, ["c_total", "g", "h_seconds"]);
}

#[test]
fn every_dashboard_is_a_provisionable_grafana_dashboard() {
    let datasources: Yaml = serde_norway::from_str(&read(
        &repo().join("deploy/compose/grafana/datasources/prometheus.yml"),
    ))
    .unwrap();
    let uid = datasources["datasources"][0]["uid"]
        .as_str()
        .expect("the provisioned datasource has a uid")
        .to_owned();
    let dashboards = dashboards();
    for name in ["platform-overview.json", "messaging.json", "http.json"] {
        assert!(dashboards.contains_key(name), "{name} is missing");
    }
    let mut uids = BTreeSet::new();
    for (file, dashboard) in &dashboards {
        let dashboard_uid = dashboard["uid"].as_str().expect("a dashboard uid");
        assert!(
            uids.insert(dashboard_uid),
            "{file}: uid {dashboard_uid} is not unique"
        );
        assert!(dashboard["title"].is_string(), "{file}: no title");
        assert!(
            dashboard["schemaVersion"].as_u64().is_some_and(|v| v >= 36),
            "{file}: schemaVersion"
        );
        let variables = dashboard["templating"]["list"]
            .as_array()
            .expect("templating");
        assert!(
            variables.iter().any(|v| v["name"] == "service"),
            "{file}: no service variable"
        );
        let panels = panels(dashboard);
        assert!(!panels.is_empty(), "{file}: no panels");
        let mut ids = BTreeSet::new();
        for panel in panels {
            let title = &panel["title"];
            assert!(
                ids.insert(panel["id"].as_u64()),
                "{file}: {title}: duplicate id"
            );
            assert!(
                matches!(panel["type"].as_str(), Some("timeseries" | "stat")),
                "{file}: {title}: type {}",
                panel["type"]
            );
            assert_eq!(
                panel["datasource"],
                json!({"type": "prometheus", "uid": uid}),
                "{file}: {title}: datasource"
            );
            let targets = panel["targets"].as_array().expect("targets");
            assert!(!targets.is_empty(), "{file}: {title}: no targets");
            for target in targets {
                assert!(target["refId"].is_string(), "{file}: {title}: refId");
                let expr = target["expr"].as_str().unwrap_or_default();
                assert!(
                    !metric_names(expr).is_empty(),
                    "{file}: {title}: {expr:?} selects no metric"
                );
            }
        }
    }
}

#[test]
fn every_alert_rule_is_complete() {
    let alerts = alerts();
    let rules = alert_rules(&alerts);
    assert!(
        rules.len() >= 5,
        "dead letters, outbox age, lag, saga deadline, service down"
    );
    let mut names = BTreeSet::new();
    for rule in rules {
        let name = rule["alert"].as_str().expect("every rule is an alert");
        assert!(names.insert(name), "{name} is defined twice");
        let expr = rule["expr"].as_str().unwrap_or_default();
        assert!(
            !metric_names(expr).is_empty(),
            "{name}: {expr:?} selects no metric"
        );
        assert!(
            matches!(
                rule["labels"]["severity"].as_str(),
                Some("warning" | "critical")
            ),
            "{name}: labels.severity"
        );
        for annotation in ["summary", "description"] {
            assert!(
                rule["annotations"][annotation]
                    .as_str()
                    .is_some_and(|text| !text.trim().is_empty()),
                "{name}: annotations.{annotation}"
            );
        }
        // An instantaneous gauge comparison flaps without a `for`; rates and increases
        // already span a window.
        let windowed = expr.contains("increase(") || expr.contains("rate(");
        match rule["for"].as_str() {
            Some(duration) => assert!(
                duration.len() > 1
                    && duration.ends_with(['s', 'm', 'h'])
                    && duration[..duration.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_digit()),
                "{name}: for {duration:?}"
            ),
            None => assert!(windowed, "{name}: a gauge alert needs `for`"),
        }
    }
}

#[tokio::test]
async fn dashboards_and_alerts_use_only_metrics_the_platform_exports() {
    let mut referenced: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (place, expr) in expressions() {
        for name in metric_names(&expr) {
            referenced
                .entry(base_name(&name).to_owned())
                .or_default()
                .push(place.clone());
        }
    }
    for own in PROMETHEUS_OWN {
        referenced.remove(*own);
    }
    assert!(
        referenced.contains_key("saga_duration_seconds"),
        "{referenced:?}"
    );

    // One order through the gateway, to confirmation, registers the lazily created series.
    let shop = Shop::open_through_gateway().await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(5, 1250).await;
    let order = shop.draft(&customer, &[(&product, 1)]).await;
    shop.placed(&order, json!({})).await;
    assert_eq!(shop.settled(&order).await["status"], "Confirmed");

    let http = &shop.http;
    let platform = &shop.platform;
    let referenced = &referenced;
    // Gauges such as the consumer lag are set on a timer, so scrape until all are there.
    eventually(
        "every referenced metric on some /metrics",
        PATIENCE,
        || async {
            let mut exported_names = BTreeSet::new();
            for service in platform.services() {
                let response = http.get(service.url("/metrics")).send().await;
                let Ok(response) = response else {
                    return Err(vec![format!("{} did not answer", service.name())]);
                };
                exported_names.extend(exported(&response.text().await.unwrap_or_default()));
            }
            let missing: Vec<String> = referenced
                .iter()
                .filter(|(name, _)| !exported_names.contains(*name))
                .map(|(name, places)| format!("{name} (used by {places:?})"))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(missing)
            }
        },
    )
    .await;
}
