//! Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and the `metadata.name` /
//! `metadata.namespace` field selectors.

use serde_json::Value;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A conjunction of label requirements; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    pub(crate) fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let Some(raw) = raw else {
            return Ok(Self::default());
        };
        split_outside_parens(raw)
            .into_iter()
            .map(|term| parse_term(term.trim()))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        self.0.iter().all(|req| match req {
            Requirement::In(key, values) => labels[key]
                .as_str()
                .is_some_and(|v| values.iter().any(|x| x == v)),
            Requirement::NotIn(key, values) => labels[key]
                .as_str()
                .is_none_or(|v| values.iter().all(|x| x != v)),
            Requirement::Exists(key) => labels.get(key).is_some(),
            Requirement::DoesNotExist(key) => labels.get(key).is_none(),
        })
    }
}

fn split_outside_parens(raw: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0_i32, 0);
    for (i, c) in raw.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&raw[start..]);
    terms.into_iter().filter(|t| !t.trim().is_empty()).collect()
}

fn parse_term(term: &str) -> Result<Requirement, ApiError> {
    let invalid = || ApiError::bad_request(format!("unable to parse label selector term {term:?}"));
    if let Some((key, value)) = term.split_once("!=") {
        return Ok(Requirement::NotIn(
            key.trim().to_owned(),
            vec![value.trim().to_owned()],
        ));
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Requirement::In(
            key.trim().to_owned(),
            vec![value.trim().to_owned()],
        ));
    }
    if let Some((key, set)) = term.split_once(" notin ") {
        return Ok(Requirement::NotIn(
            key.trim().to_owned(),
            parse_set(set).ok_or_else(invalid)?,
        ));
    }
    if let Some((key, set)) = term.split_once(" in ") {
        return Ok(Requirement::In(
            key.trim().to_owned(),
            parse_set(set).ok_or_else(invalid)?,
        ));
    }
    match term.strip_prefix('!') {
        Some(key) if !key.trim().is_empty() => Ok(Requirement::DoesNotExist(key.trim().to_owned())),
        None if !term.contains(char::is_whitespace) => Ok(Requirement::Exists(term.to_owned())),
        _ => Err(invalid()),
    }
}

fn parse_set(set: &str) -> Option<Vec<String>> {
    let inner = set.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_owned()).collect())
}

/// Field selectors on `metadata.name` and `metadata.namespace`, the ones kube-runtime uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub(crate) fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let Some(raw) = raw else {
            return Ok(Self::default());
        };
        raw.split(',')
            .filter(|t| !t.trim().is_empty())
            .map(|term| {
                let (field, equal, value) = match term.split_once("!=") {
                    Some((f, v)) => (f, false, v),
                    None => {
                        let (f, v) = term
                            .split_once("==")
                            .or_else(|| term.split_once('='))
                            .ok_or_else(|| {
                                ApiError::bad_request(format!("invalid field selector {term:?}"))
                            })?;
                        (f, true, v)
                    }
                };
                match field.trim() {
                    f @ ("metadata.name" | "metadata.namespace") => {
                        Ok((f.to_owned(), equal, value.trim().to_owned()))
                    }
                    f => Err(ApiError::bad_request(format!(
                        "field label not supported by the fake API server: {f}"
                    ))),
                }
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let actual = match field.as_str() {
                "metadata.name" => &object["metadata"]["name"],
                _ => &object["metadata"]["namespace"],
            };
            (actual.as_str().unwrap_or_default() == value) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn labelled(labels: Value) -> Value {
        json!({ "metadata": { "name": "x", "namespace": "ns", "labels": labels } })
    }

    #[test]
    fn equality_and_set_based_terms() {
        let s = LabelSelector::parse(Some("a=b,c!=d,e in (x, y),f notin (z),g,!h")).unwrap();
        assert!(s.matches(&labelled(json!({"a": "b", "e": "y", "g": ""}))));
        assert!(!s.matches(&labelled(json!({"a": "b", "c": "d", "e": "y", "g": ""}))));
        assert!(!s.matches(&labelled(json!({"a": "b", "e": "w", "g": ""}))));
        assert!(!s.matches(&labelled(json!({"a": "b", "e": "x", "f": "z", "g": ""}))));
        assert!(!s.matches(&labelled(json!({"a": "b", "e": "x", "g": "", "h": "1"}))));
        assert!(!s.matches(&labelled(json!({"a": "b", "e": "x"}))));
    }

    #[test]
    fn field_selector_on_name() {
        let s = FieldSelector::parse(Some("metadata.name=x")).unwrap();
        assert!(s.matches(&labelled(json!({}))));
        assert!(
            !FieldSelector::parse(Some("metadata.name!=x"))
                .unwrap()
                .matches(&labelled(json!({})))
        );
        assert!(FieldSelector::parse(Some("spec.nodeName=n")).is_err());
    }
}
