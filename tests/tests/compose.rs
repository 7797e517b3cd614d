//! Keeps docker-compose.yml true to the code it runs, without a Docker engine: every OrderFlow
//! service in it is a workspace binary the Dockerfile builds, sets only variables its config
//! reads (and every one it requires), and agrees with the others on ports, databases, the
//! broker's listener and the topic registry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "compose/compose_file.rs"]
mod compose_file;
#[path = "compose/repository.rs"]
mod repository;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use clap::CommandFactory;
use reqwest::Url;
use serde_norway::Value;

use compose_file::{Compose, Words};
use repository::{Dockerfile, InitSql, read, repo, workspace_binaries, workspace_members};

/// Where the images keep the health probe (Dockerfile) and where healthchecks run it (compose).
const PROBE: &str = "/usr/local/bin/orderflow-probe";

/// Variables the services read outside their clap config: telemetry's log filter and OTLP
/// endpoint.
const RUNTIME_VARIABLES: &[&str] = &["RUST_LOG", "OTEL_EXPORTER_OTLP_ENDPOINT"];

/// One OrderFlow service of the compose file.
struct OrderFlowService {
    /// Its compose service name, and so its host name on the compose network.
    compose: &'static str,
    /// The workspace package, and its binary of the same name, that the Dockerfile's SERVICE selects.
    package: &'static str,
    /// Its port (DESIGN §6).
    port: u16,
    /// The configuration it reads its environment into.
    config: fn() -> clap::Command,
}

const SERVICES: &[OrderFlowService] = &[
    OrderFlowService {
        compose: "customer",
        package: "customer-service",
        port: 8081,
        config: customer_service::config::Config::command,
    },
    OrderFlowService {
        compose: "order",
        package: "order-service",
        port: 8082,
        config: order_service::config::Config::command,
    },
    OrderFlowService {
        compose: "payment",
        package: "payment-service",
        port: 8083,
        config: payment_service::config::Config::command,
    },
    OrderFlowService {
        compose: "inventory",
        package: "inventory-service",
        port: 8084,
        config: inventory_service::config::Config::command,
    },
    // Their crates are being written: once they are dev-dependencies of the test kit, set
    // `config: notification_service::config::Config::command` and the gateway's likewise.
    OrderFlowService {
        compose: "notification",
        package: "notification-service",
        port: 8085,
        config: notification_service::config::Config::command,
    },
    OrderFlowService {
        compose: "gateway",
        package: "gateway-service",
        port: 8080,
        config: gateway_service::config::Config::command,
    },
];

#[test]
fn every_orderflow_service_is_a_workspace_binary_the_dockerfile_builds() {
    let compose = Compose::load();
    let built: BTreeSet<&str> = compose
        .services
        .iter()
        .filter(|(_, service)| service.build.is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    let known: BTreeSet<&str> = SERVICES.iter().map(|s| s.compose).collect();
    assert_eq!(
        built, known,
        "services built from the Dockerfile vs. this test's table"
    );

    let binaries = workspace_binaries();
    for row in SERVICES {
        let service = compose.service(row.compose);
        let spec = service
            .build
            .as_ref()
            .unwrap_or_else(|| panic!("{}: build needs context, dockerfile and args", row.compose));
        let context = repo().join(spec.context.as_deref().unwrap_or("."));
        let dockerfile_path = context.join(spec.dockerfile.as_deref().unwrap_or("Dockerfile"));
        assert!(
            context.is_dir(),
            "{}: no build context {}",
            row.compose,
            context.display()
        );
        assert!(
            dockerfile_path.is_file(),
            "{}: no {}",
            row.compose,
            dockerfile_path.display()
        );

        let dockerfile = Dockerfile::read(&dockerfile_path);
        let declared = dockerfile.args();
        for arg in spec.args.0.keys() {
            assert!(
                declared.contains_key(arg),
                "{}: the Dockerfile declares no ARG {arg}",
                row.compose
            );
        }
        assert_eq!(
            spec.args.0.get("SERVICE").map(String::as_str),
            Some(row.package),
            "{}: build arg SERVICE",
            row.compose
        );
        assert!(
            dockerfile
                .stages()
                .iter()
                .any(|stage| stage.args().contains_key("SERVICE")
                    && stage.mentions("target/release/${SERVICE}")),
            "no Dockerfile stage takes the binary ARG SERVICE names"
        );
        let packages = declared
            .get("PACKAGES")
            .cloned()
            .flatten()
            .expect("the Dockerfile's PACKAGES has a default");
        assert!(
            packages.split_whitespace().any(|p| p == row.package),
            "{}: the Dockerfile's default PACKAGES ({packages}) does not build it",
            row.package
        );

        match binaries.get(row.package) {
            Some(bins) => assert!(
                bins.contains(row.package),
                "{}: the package has no binary of its name: {bins:?}",
                row.package
            ),
            None => panic!("{} is not a workspace package", row.package),
        }
        assert_eq!(
            service.image.as_deref(),
            Some(format!("orderflow/{}:dev", row.package).as_str()),
            "{}: the image built for it",
            row.compose
        );
    }

    assert!(
        binaries
            .get("orderflow-runtime")
            .is_some_and(|bins| bins.contains("orderflow-probe")),
        "the probe binary is gone from orderflow-runtime"
    );
}

#[test]
fn each_service_sets_only_what_its_config_reads_and_all_it_requires() {
    let compose = Compose::load();
    for row in SERVICES {
        let environment = &compose.service(row.compose).environment.0;
        let command = (row.config)();
        let by_variable: BTreeMap<String, &clap::Arg> = command
            .get_arguments()
            .filter_map(|arg| Some((arg.get_env()?.to_string_lossy().into_owned(), arg)))
            .collect();

        for (variable, value) in environment {
            if RUNTIME_VARIABLES.contains(&variable.as_str()) {
                continue;
            }
            let arg = by_variable.get(variable).unwrap_or_else(|| {
                panic!(
                    "{}: sets {variable}, which its config does not read",
                    row.compose
                )
            });
            let parsed = clap::Command::new(row.compose)
                .no_binary_name(true)
                .arg(
                    clap::Arg::new("value")
                        .long("value")
                        .action(clap::ArgAction::Set)
                        .value_delimiter(arg.get_value_delimiter())
                        .value_parser(arg.get_value_parser().clone()),
                )
                .try_get_matches_from([format!("--value={value}")]);
            assert!(
                parsed.is_ok(),
                "{}: {variable}={value:?} is refused: {}",
                row.compose,
                parsed.err().map(|e| e.to_string()).unwrap_or_default()
            );
        }

        for (variable, arg) in &by_variable {
            if arg.is_required_set() && arg.get_default_values().is_empty() {
                assert!(
                    environment.contains_key(variable),
                    "{}: {variable} is required and not set",
                    row.compose
                );
            }
        }
    }
}

#[test]
fn each_service_listens_publishes_and_is_probed_on_its_own_port() {
    let compose = Compose::load();
    for row in SERVICES {
        let service = compose.service(row.compose);
        let addr: SocketAddr = service
            .env("HTTP_ADDR")
            .parse()
            .unwrap_or_else(|_| panic!("{}: HTTP_ADDR is not host:port", row.compose));
        assert_eq!(addr.port(), row.port, "{}: HTTP_ADDR's port", row.compose);
        assert!(
            addr.ip().is_unspecified(),
            "{}: HTTP_ADDR must bind every interface, or other containers cannot reach it",
            row.compose
        );
        let published: Vec<(Option<u16>, u16)> = service
            .ports
            .iter()
            .map(|p| (p.host(), p.container()))
            .collect();
        assert_eq!(
            published,
            [(Some(row.port), row.port)],
            "{}: publishes its port, on the same host port",
            row.compose
        );
        let port_arg = service
            .build
            .as_ref()
            .and_then(|spec| spec.args.0.get("PORT"));
        assert_eq!(
            port_arg,
            Some(&row.port.to_string()),
            "{}: build arg PORT (the image's EXPOSE and default HTTP_ADDR)",
            row.compose
        );
        // The probe reads HTTP_ADDR itself, so it asks the port the service listens on.
        assert_eq!(
            service.healthcheck_test(),
            Some(vec!["CMD".to_owned(), PROBE.to_owned()]),
            "{}: healthcheck",
            row.compose
        );
    }

    let dockerfile = Dockerfile::read(&repo().join("Dockerfile"));
    let healthchecks: Vec<&str> = dockerfile.with_keyword("HEALTHCHECK").collect();
    assert!(
        matches!(healthchecks.as_slice(), [check] if check.ends_with(&format!("CMD [\"{PROBE}\"]"))),
        "the image's HEALTHCHECK runs the probe: {healthchecks:?}"
    );
    assert!(
        dockerfile
            .with_keyword("COPY")
            .any(|copy| copy.split_whitespace().last() == Some(PROBE)),
        "the image has the probe at {PROBE}"
    );
    assert!(
        dockerfile
            .with_keyword("ENV")
            .any(|env| env.contains("HTTP_ADDR=0.0.0.0:${PORT}")),
        "the image listens on its PORT by default"
    );
    assert!(
        dockerfile
            .with_keyword("EXPOSE")
            .any(|expose| expose == "${PORT}"),
        "the image exposes its PORT"
    );
}

#[test]
fn every_service_url_names_a_service_on_a_port_it_listens_on_and_waits_for_it() {
    let compose = Compose::load();
    let orderflow_ports: BTreeMap<&str, u16> =
        SERVICES.iter().map(|s| (s.compose, s.port)).collect();
    let mut checked = 0;
    for (name, service) in &compose.services {
        for (variable, value) in &service.environment.0 {
            if !variable.ends_with("_URL") {
                continue;
            }
            let url = Url::parse(value).unwrap_or_else(|err| panic!("{name}: {variable}: {err}"));
            let host = url.host_str().unwrap_or_default();
            let target = compose.services.get(host).unwrap_or_else(|| {
                panic!("{name}: {variable} points at {host:?}, not a compose service")
            });
            let port = url
                .port_or_known_default()
                .unwrap_or_else(|| panic!("{name}: {variable} has no port"));
            match orderflow_ports.get(host) {
                Some(expected) => assert_eq!(port, *expected, "{name}: {variable}"),
                None => assert!(
                    target.container_ports().contains(&port),
                    "{name}: {variable} uses port {port}; {host} listens on {:?}",
                    target.container_ports()
                ),
            }
            assert!(
                compose.waits_for(name, host),
                "{name} uses {host} ({variable}) without waiting for it"
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "the database URLs at least");
}

#[test]
fn each_database_url_is_a_database_and_role_of_the_init_script() {
    let compose = Compose::load();
    let postgres = compose.service("postgres");
    let scripts: Vec<(String, String)> = postgres
        .bind_mounts()
        .filter(|(_, target)| target.starts_with("/docker-entrypoint-initdb.d/"))
        .collect();
    assert!(!scripts.is_empty(), "postgres mounts no init script");
    let sql: String = scripts
        .iter()
        .map(|(source, _)| read(&repo().join(source)))
        .collect();
    let init = InitSql::parse(&sql);

    let mut databases = BTreeSet::new();
    for (name, service) in &compose.services {
        let Some(value) = service.environment.0.get("DATABASE_URL") else {
            continue;
        };
        let url = Url::parse(value).unwrap_or_else(|err| panic!("{name}: DATABASE_URL: {err}"));
        assert!(
            matches!(url.scheme(), "postgres" | "postgresql"),
            "{name}: DATABASE_URL scheme"
        );
        assert_eq!(
            url.host_str(),
            Some("postgres"),
            "{name}: DATABASE_URL host"
        );
        let user = url.username();
        let database = url.path().trim_start_matches('/');
        assert_eq!(
            init.roles.get(user).map(String::as_str),
            url.password(),
            "{name}: role {user:?} and its password in the init script"
        );
        assert_eq!(
            init.databases.get(database).map(String::as_str),
            Some(user),
            "{name}: database {database:?} owned by {user:?} in the init script"
        );
        assert!(
            databases.insert(database.to_owned()),
            "{name}: shares database {database:?}"
        );
    }
    let owners: BTreeSet<&str> = ["customer", "order", "payment", "inventory"].into();
    let used: BTreeSet<&str> = databases.iter().map(String::as_str).collect();
    assert!(
        owners.is_subset(&used),
        "every owning service has its database: {used:?}"
    );
}

#[test]
fn kafka_clients_use_the_in_network_listener() {
    let compose = Compose::load();
    let listener = compose.kafka_in_network_listener();
    let mut clients = 0;
    for (name, service) in &compose.services {
        let Some(servers) = service.environment.0.get("KAFKA_BOOTSTRAP_SERVERS") else {
            continue;
        };
        for server in servers.split(',') {
            assert_eq!(server.trim(), listener, "{name}: KAFKA_BOOTSTRAP_SERVERS");
        }
        assert!(
            compose.waits_for(name, "kafka"),
            "{name} does not wait for kafka"
        );
        clients += 1;
    }
    assert!(
        clients >= 5,
        "the services and kafka-init use the broker: {clients}"
    );
}

#[test]
fn kafka_init_creates_exactly_the_registry_topics_before_any_service_starts() {
    let compose = Compose::load();
    let init = compose.service("kafka-init");
    assert_eq!(
        init.image,
        compose.service("kafka").image,
        "kafka-init runs the broker's image"
    );
    let entrypoint = init
        .entrypoint
        .as_ref()
        .map(Words::list)
        .unwrap_or_default();
    let script = entrypoint
        .last()
        .and_then(|path| init.bind_mounts().find(|(_, target)| target == path))
        .map(|(source, _)| repo().join(source))
        .unwrap_or_else(|| panic!("kafka-init runs {entrypoint:?}, not a mounted script"));

    let prefixes: BTreeSet<&str> = SERVICES
        .iter()
        .map(|row| {
            let env = &compose.service(row.compose).environment.0;
            env.get("KAFKA_TOPIC_PREFIX").map_or("", String::as_str)
        })
        .collect();
    let [prefix] = prefixes.into_iter().collect::<Vec<_>>()[..] else {
        panic!("the services disagree on KAFKA_TOPIC_PREFIX");
    };
    let mut expected: Vec<(String, i32)> = orderflow_contracts::TOPICS
        .iter()
        .map(|topic| (format!("{prefix}{}", topic.name), topic.partitions))
        .collect();
    expected.sort();

    // The script runs against a stand-in kafka-topics.sh that records its arguments: the Kafka
    // command-line tools (Java) are not installed here.
    let home = std::env::temp_dir().join(format!("orderflow-compose-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(home.join("bin")).unwrap();
    let cli = home.join("bin/kafka-topics.sh");
    std::fs::write(
        &cli,
        "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> \"$(dirname \"$0\")/../calls\"\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&cli).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&cli, permissions).unwrap();
    let output = std::process::Command::new("bash")
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(&init.environment.0)
        .env("KAFKA_HOME", &home)
        .output()
        .unwrap();
    let calls = std::fs::read_to_string(home.join("calls")).unwrap_or_default();
    std::fs::remove_dir_all(&home).ok();
    assert!(
        output.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );

    let bootstrap = format!("--bootstrap-server {}", compose.kafka_in_network_listener());
    let mut created: Vec<(String, i32)> = calls
        .lines()
        .filter(|call| call.contains("--create"))
        .map(|call| {
            assert!(call.contains("--if-not-exists"), "not idempotent: {call}");
            assert!(call.contains(&bootstrap), "another broker: {call}");
            let words: Vec<&str> = call.split_whitespace().collect();
            let after = |flag: &str| {
                words
                    .iter()
                    .position(|w| *w == flag)
                    .and_then(|i| words.get(i + 1))
                    .unwrap_or_else(|| panic!("{flag} missing: {call}"))
                    .to_string()
            };
            (after("--topic"), after("--partitions").parse().unwrap())
        })
        .collect();
    created.sort();
    assert_eq!(
        created, expected,
        "kafka-init's topics vs. orderflow_contracts::TOPICS"
    );

    for (name, service) in &compose.services {
        if service
            .environment
            .0
            .contains_key("KAFKA_BOOTSTRAP_SERVERS")
            && name != "kafka-init"
        {
            assert_eq!(
                service.depends_on.0.get("kafka-init").map(String::as_str),
                Some("service_completed_successfully"),
                "{name} starts before the topics exist"
            );
        }
    }
}

#[test]
fn every_dependency_exists_and_can_be_waited_for() {
    let compose = Compose::load();
    for (name, service) in &compose.services {
        for (target, condition) in &service.depends_on.0 {
            let dependency = compose
                .services
                .get(target)
                .unwrap_or_else(|| panic!("{name} depends on {target:?}, which does not exist"));
            match condition.as_str() {
                "service_started" => {}
                "service_healthy" => assert!(
                    dependency.healthcheck_test().is_some(),
                    "{name} waits for {target} to be healthy, which has no healthcheck"
                ),
                "service_completed_successfully" => assert!(
                    matches!(dependency.restart.as_deref(), None | Some("no")),
                    "{name} waits for {target} to complete, which restarts"
                ),
                other => panic!("{name}: unknown condition {other:?}"),
            }
            assert!(
                !service.profiles.is_empty() || dependency.profiles.is_empty(),
                "{name} runs without a profile but depends on {target}, which needs {:?}",
                dependency.profiles
            );
        }
    }
}

#[test]
fn every_mounted_file_exists() {
    let compose = Compose::load();
    let mut mounts = 0;
    for (name, service) in &compose.services {
        for (source, target) in service.bind_mounts() {
            let path = repo().join(&source);
            assert!(
                path.exists(),
                "{name}: {source} (mounted at {target}) does not exist"
            );
            mounts += 1;
        }
    }
    assert!(
        mounts >= 7,
        "init script, topic script, prometheus.yml, alerts.yml, grafana datasources, \
         dashboard providers and dashboards"
    );
}

#[test]
fn prometheus_scrapes_every_service_where_it_listens() {
    let compose = Compose::load();
    let prometheus = compose.service("prometheus");
    let (config, _) = prometheus
        .bind_mounts()
        .find(|(_, target)| target == "/etc/prometheus/prometheus.yml")
        .expect("prometheus mounts its configuration");
    let config: Value = serde_norway::from_str(&read(&repo().join(config))).unwrap();
    let targets: Vec<String> = config["scrape_configs"]
        .as_sequence()
        .expect("scrape_configs")
        .iter()
        .flat_map(|job| {
            job["static_configs"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|group| group["targets"].as_sequence().cloned().unwrap_or_default())
        .map(|target| target.as_str().expect("target").to_owned())
        .collect();
    for row in SERVICES {
        let expected = format!("{}:{}", row.compose, row.port);
        assert_eq!(
            targets.iter().filter(|t| **t == expected).count(),
            1,
            "prometheus scrapes {expected} once: {targets:?}"
        );
    }
    for target in &targets {
        let (host, port) = target.rsplit_once(':').expect("host:port");
        if let Some(row) = SERVICES.iter().find(|row| row.compose == host) {
            assert_eq!(port, row.port.to_string(), "{target}");
        } else {
            assert!(host == "localhost", "{target} is not a compose service");
        }
    }

    let grafana = compose.service("grafana");
    let (datasources, _) = grafana
        .bind_mounts()
        .find(|(_, target)| target == "/etc/grafana/provisioning/datasources")
        .expect("grafana mounts its datasources");
    let datasources = repo().join(datasources);
    let mut urls = Vec::new();
    for entry in std::fs::read_dir(&datasources).unwrap() {
        let file: Value = serde_norway::from_str(&read(&entry.unwrap().path())).unwrap();
        for source in file["datasources"].as_sequence().into_iter().flatten() {
            urls.push(Url::parse(source["url"].as_str().expect("datasource url")).unwrap());
        }
    }
    assert!(
        urls.iter().any(|url| url.host_str() == Some("prometheus")
            && url
                .port()
                .is_some_and(|port| prometheus.container_ports().contains(&port))),
        "grafana reads the compose prometheus: {urls:?}"
    );
}

/// Where a container path is bind-mounted from: the repository path of `container` itself or
/// of a mounted directory holding it.
fn mounted_source(service: &compose_file::Service, container: &str) -> Option<std::path::PathBuf> {
    service.bind_mounts().find_map(|(source, target)| {
        let rest = container.strip_prefix(target.as_str())?;
        let source = repo().join(source);
        match rest.strip_prefix('/') {
            _ if rest.is_empty() => Some(source),
            Some(inside) => Some(source.join(inside)),
            None => None,
        }
    })
}

#[test]
fn prometheus_loads_the_alert_rules_and_grafana_provisions_the_dashboards() {
    let compose = Compose::load();
    let prometheus = compose.service("prometheus");
    let config = mounted_source(prometheus, "/etc/prometheus/prometheus.yml")
        .expect("prometheus mounts its configuration");
    let config: Value = serde_norway::from_str(&read(&config)).unwrap();
    let rule_files: Vec<&str> = config["rule_files"]
        .as_sequence()
        .expect("prometheus.yml has rule_files")
        .iter()
        .map(|file| file.as_str().expect("rule file path"))
        .collect();
    let alerts = repo().join("deploy/prometheus/alerts.yml");
    assert!(
        rule_files
            .iter()
            .any(|file| mounted_source(prometheus, file).as_deref() == Some(alerts.as_path())),
        "prometheus does not load deploy/prometheus/alerts.yml: {rule_files:?}"
    );

    let grafana = compose.service("grafana");
    let providers = mounted_source(grafana, "/etc/grafana/provisioning/dashboards")
        .expect("grafana mounts a dashboards provisioning directory");
    let dashboards = repo().join("deploy/grafana/dashboards");
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(&providers).unwrap() {
        let file: Value = serde_norway::from_str(&read(&entry.unwrap().path())).unwrap();
        for provider in file["providers"].as_sequence().into_iter().flatten() {
            paths.push(
                provider["options"]["path"]
                    .as_str()
                    .expect("provider path")
                    .to_owned(),
            );
        }
    }
    assert!(
        paths
            .iter()
            .any(|path| mounted_source(grafana, path).as_deref() == Some(dashboards.as_path())),
        "no dashboards provider reads deploy/grafana/dashboards: {paths:?}"
    );
}

#[test]
fn the_build_context_keeps_what_cargo_reads() {
    let ignored: Vec<String> = read(&repo().join(".dockerignore"))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .map(|line| {
            line.trim_start_matches('/')
                .trim_end_matches('/')
                .to_owned()
        })
        .collect();
    let needed = ["Cargo.toml".to_owned(), "Cargo.lock".to_owned()]
        .into_iter()
        .chain(workspace_members());
    for path in needed {
        for pattern in &ignored {
            assert!(
                !(pattern == "*" || path == *pattern || path.starts_with(&format!("{pattern}/"))),
                ".dockerignore's {pattern:?} drops {path}, which the build needs"
            );
        }
    }
}
