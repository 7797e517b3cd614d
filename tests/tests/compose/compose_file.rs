//! docker-compose.yml as `docker compose` reads it: the parts of the Compose specification
//! the checks need, both short and long syntaxes, and variable substitution.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_norway::Value;

use crate::repository::{read, repo};

#[derive(Debug, Deserialize)]
pub struct Compose {
    pub services: BTreeMap<String, Service>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Service {
    pub image: Option<String>,
    pub hostname: Option<String>,
    pub build: Option<BuildSpec>,
    pub environment: Environment,
    pub ports: Vec<Port>,
    pub expose: Vec<Scalar>,
    pub healthcheck: Option<Healthcheck>,
    pub depends_on: DependsOn,
    pub volumes: Vec<Mount>,
    pub entrypoint: Option<Words>,
    pub profiles: Vec<String>,
    pub restart: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BuildSpec {
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    pub args: Environment,
}

/// `environment` or build `args`, as a map or a list of `KEY=VALUE`.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "EnvironmentRepr")]
pub struct Environment(pub BTreeMap<String, String>);

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EnvironmentRepr {
    Map(BTreeMap<String, Option<Scalar>>),
    List(Vec<String>),
}

impl From<EnvironmentRepr> for Environment {
    fn from(repr: EnvironmentRepr) -> Self {
        Self(match repr {
            EnvironmentRepr::Map(map) => map
                .into_iter()
                .map(|(key, value)| (key, value.map(|v| v.0).unwrap_or_default()))
                .collect(),
            EnvironmentRepr::List(list) => list
                .into_iter()
                .map(|entry| match entry.split_once('=') {
                    Some((key, value)) => (key.to_owned(), value.to_owned()),
                    None => (entry, String::new()),
                })
                .collect(),
        })
    }
}

/// A YAML scalar as the string a container sees.
#[derive(Debug)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(match Value::deserialize(deserializer)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => return Err(serde::de::Error::custom(format!("not a scalar: {other:?}"))),
        }))
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Port {
    Short(Scalar),
    Long { target: u16 },
}

impl Port {
    /// The container side of a mapping (`[ip:][host:]container[/protocol]`).
    pub fn container(&self) -> u16 {
        match self {
            Self::Long { target } => *target,
            Self::Short(Scalar(spec)) => {
                let spec = spec.split('/').next().unwrap_or_default();
                let container = spec.rsplit(':').next().unwrap_or_default();
                container
                    .parse()
                    .unwrap_or_else(|_| panic!("port mapping {spec:?}: not a single port"))
            }
        }
    }

    /// The host side of a short mapping, when one is given.
    pub fn host(&self) -> Option<u16> {
        let Self::Short(Scalar(spec)) = self else {
            return None;
        };
        let parts: Vec<&str> = spec.split('/').next()?.split(':').collect();
        parts
            .len()
            .checked_sub(2)
            .and_then(|i| parts[i].parse().ok())
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Mount {
    Short(String),
    Long {
        #[serde(rename = "type")]
        kind: String,
        source: Option<String>,
        target: String,
    },
}

impl Mount {
    /// `(host path, container path)` of a bind mount; `None` for a named volume.
    pub fn bind(&self) -> Option<(String, String)> {
        match self {
            Self::Short(spec) => {
                let mut parts = spec.split(':');
                let source = parts.next()?;
                let target = parts.next()?;
                source
                    .starts_with(['.', '/', '~'])
                    .then(|| (source.to_owned(), target.to_owned()))
            }
            Self::Long {
                kind,
                source,
                target,
            } => (kind == "bind").then(|| (source.clone().unwrap_or_default(), target.clone())),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Words {
    One(String),
    Many(Vec<String>),
}

impl Words {
    pub fn list(&self) -> Vec<String> {
        match self {
            Self::One(line) => vec![line.clone()],
            Self::Many(words) => words.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Healthcheck {
    pub test: Option<Words>,
    pub disable: bool,
}

/// `depends_on` as target → condition.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "DependsOnRepr")]
pub struct DependsOn(pub BTreeMap<String, String>);

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DependsOnRepr {
    List(Vec<String>),
    Map(BTreeMap<String, Dependency>),
}

#[derive(Debug, Deserialize)]
struct Dependency {
    condition: String,
}

impl From<DependsOnRepr> for DependsOn {
    fn from(repr: DependsOnRepr) -> Self {
        Self(match repr {
            DependsOnRepr::List(targets) => targets
                .into_iter()
                .map(|target| (target, "service_started".to_owned()))
                .collect(),
            DependsOnRepr::Map(map) => map
                .into_iter()
                .map(|(target, dependency)| (target, dependency.condition))
                .collect(),
        })
    }
}

impl Compose {
    /// docker-compose.yml as `docker compose` sees it in an empty environment: anchors merged
    /// and every `${VAR:-default}` at its default. A variable without a default fails: the file
    /// must work without a `.env`.
    pub fn load() -> Self {
        let text = read(&repo().join("docker-compose.yml"));
        let mut value: Value = serde_norway::from_str(&text).expect("docker-compose.yml is YAML");
        value.apply_merge().expect("YAML merge keys");
        let mut unresolved = Vec::new();
        interpolate_tree(&mut value, &mut unresolved);
        assert!(unresolved.is_empty(), "{unresolved:#?}");
        serde_norway::from_value(value).expect("docker-compose.yml has the expected shape")
    }

    pub fn service(&self, name: &str) -> &Service {
        self.services
            .get(name)
            .unwrap_or_else(|| panic!("docker-compose.yml has no service {name:?}"))
    }

    /// Whether `from` waits for `to`, directly or through other dependencies.
    pub fn waits_for(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut pending = vec![from];
        while let Some(name) = pending.pop() {
            if !seen.insert(name) {
                continue;
            }
            let Some(service) = self.services.get(name) else {
                continue;
            };
            for target in service.depends_on.0.keys() {
                if target == to {
                    return true;
                }
                pending.push(target);
            }
        }
        false
    }

    /// The address of the broker listener meant for containers on the compose network: the
    /// advertised listener named after the kafka service, bound and speaking plaintext.
    pub fn kafka_in_network_listener(&self) -> String {
        let kafka = self.service("kafka");
        let host_names: Vec<&str> = ["kafka"]
            .into_iter()
            .chain(kafka.hostname.as_deref())
            .collect();
        let advertised = listeners(kafka.env("KAFKA_ADVERTISED_LISTENERS"));
        let bound = listeners(kafka.env("KAFKA_LISTENERS"));
        let protocols: BTreeMap<&str, &str> = kafka
            .env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .collect();
        let in_network: Vec<_> = advertised
            .iter()
            .filter(|(_, host, _)| host_names.contains(&host.as_str()))
            .collect();
        let [(name, host, port)] = in_network.as_slice() else {
            panic!(
                "kafka must advertise exactly one listener named after the service: {advertised:?}"
            );
        };
        assert!(
            bound.iter().any(|(n, _, p)| n == name && p == port),
            "the in-network listener {name} is advertised on port {port} but bound as {bound:?}"
        );
        assert_eq!(
            protocols.get(name.as_str()),
            Some(&"PLAINTEXT"),
            "the services connect without TLS or SASL"
        );
        format!("{host}:{port}")
    }
}

impl Service {
    pub fn env(&self, name: &str) -> &str {
        self.environment
            .0
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not set"))
    }

    pub fn bind_mounts(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.volumes.iter().filter_map(Mount::bind)
    }

    /// Ports other containers can reach it on: those it publishes and those it exposes.
    pub fn container_ports(&self) -> BTreeSet<u16> {
        self.ports
            .iter()
            .map(Port::container)
            .chain(self.expose.iter().map(|Scalar(port)| {
                port.parse()
                    .unwrap_or_else(|_| panic!("expose {port:?}: not a port"))
            }))
            .collect()
    }

    pub fn healthcheck_test(&self) -> Option<Vec<String>> {
        self.healthcheck
            .as_ref()
            .filter(|check| !check.disable)
            .and_then(|check| check.test.as_ref())
            .map(Words::list)
    }
}

/// `NAME://host:port` entries of a Kafka listener list.
fn listeners(list: &str) -> Vec<(String, String, u16)> {
    list.split(',')
        .map(|entry| {
            let (name, address) = entry
                .trim()
                .split_once("://")
                .unwrap_or_else(|| panic!("listener {entry:?}: NAME://host:port"));
            let (host, port) = address
                .rsplit_once(':')
                .unwrap_or_else(|| panic!("listener {entry:?}: no port"));
            (
                name.to_owned(),
                host.to_owned(),
                port.parse()
                    .unwrap_or_else(|_| panic!("listener {entry:?}: bad port")),
            )
        })
        .collect()
}

fn interpolate_tree(value: &mut Value, unresolved: &mut Vec<String>) {
    match value {
        Value::String(text) => match interpolate(text) {
            Ok(resolved) => *text = resolved,
            Err(err) => unresolved.push(err),
        },
        Value::Sequence(items) => items
            .iter_mut()
            .for_each(|item| interpolate_tree(item, unresolved)),
        Value::Mapping(map) => map
            .iter_mut()
            .for_each(|(_, item)| interpolate_tree(item, unresolved)),
        Value::Tagged(tagged) => interpolate_tree(&mut tagged.value, unresolved),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Compose's variable substitution with every variable unset: `$$` is a `$`, `${VAR:-x}` and
/// `${VAR-x}` are `x`, `${VAR:+x}` is empty; anything needing a value is an error.
fn interpolate(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(braced) = rest.strip_prefix('{') {
            let end = braced
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
            let expression = &braced[..end];
            rest = &braced[end + 1..];
            let name_end = expression
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(expression.len());
            let (name, operator) = expression.split_at(name_end);
            if let Some(default) = operator
                .strip_prefix(":-")
                .or_else(|| operator.strip_prefix('-'))
            {
                out.push_str(default);
            } else if !(operator.starts_with(":+") || operator.starts_with('+')) {
                return Err(format!("{text:?} needs {name} from the environment"));
            }
        } else {
            return Err(format!("{text:?} needs a variable from the environment"));
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[test]
fn interpolation_follows_compose() {
    assert_eq!(
        interpolate("${ADMIN:-orderflow-dev}").unwrap(),
        "orderflow-dev"
    );
    assert_eq!(interpolate("a${X-b}c$$d").unwrap(), "abc$d");
    assert_eq!(interpolate("x${Y:+set}").unwrap(), "x");
    assert!(interpolate("${NEEDED}").is_err());
    assert!(interpolate("$NEEDED").is_err());
    assert!(interpolate("${NEEDED:?set it}").is_err());
}
