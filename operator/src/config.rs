//! The operator's configuration, from flags or environment variables.

use std::net::SocketAddr;

/// How and where the operator runs.
#[derive(clap::Args, Clone, Debug, PartialEq, Eq)]
pub struct OperatorConfig {
    /// Namespace whose platforms are reconciled; every namespace when absent.
    #[arg(long, env = "WATCH_NAMESPACE")]
    pub watch_namespace: Option<String>,
    /// Address of `/metrics`, `/health/live` and `/health/ready` (DESIGN §6: port 8090).
    #[arg(long, env = "HTTP_ADDR", default_value = "0.0.0.0:8090")]
    pub http_addr: SocketAddr,
    /// Whether replicas elect a leader through a Lease before reconciling.
    #[arg(
        long,
        env = "LEADER_ELECTION",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub leader_election: bool,
    /// Name of the leader-election Lease.
    #[arg(long, env = "LEASE_NAME", default_value = "orderflow-operator")]
    pub lease_name: String,
    /// Namespace of the Lease: the operator's own, from the downward API.
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// Reach every platform's Kafka at this `host:port` instead of its in-cluster address, for
    /// an operator run outside the cluster (`kubectl port-forward svc/<platform>-kafka 9092`).
    #[arg(long, env = "KAFKA_BOOTSTRAP_OVERRIDE")]
    pub kafka_bootstrap_override: Option<String>,
}

impl OperatorConfig {
    /// What the operator does with this configuration, in plain words.
    pub fn describe(&self) -> String {
        let scope = self.watch_namespace.as_deref().map_or_else(
            || "every namespace".to_owned(),
            |ns| format!("namespace {ns}"),
        );
        let election = if self.leader_election {
            format!(
                "after winning Lease {}/{}",
                self.lease_namespace, self.lease_name
            )
        } else {
            "without leader election".to_owned()
        };
        format!(
            "reconciles OrderFlowPlatform (orderflow.io/v1alpha1) in {scope} {election}; \
             serves /metrics and /health on {}",
            self.http_addr
        )
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: OperatorConfig,
    }

    fn parse(args: &[&str]) -> OperatorConfig {
        Cli::try_parse_from(std::iter::once("orderflow-operator").chain(args.iter().copied()))
            .expect("valid arguments")
            .config
    }

    #[test]
    fn defaults_watch_everything_with_leader_election_on_port_8090() {
        let config = parse(&[]);
        assert_eq!(config.watch_namespace, None);
        assert_eq!(config.http_addr.port(), 8090);
        assert!(config.leader_election);
        assert_eq!(
            config.describe(),
            "reconciles OrderFlowPlatform (orderflow.io/v1alpha1) in every namespace after \
             winning Lease default/orderflow-operator; serves /metrics and /health on 0.0.0.0:8090"
        );
    }

    #[test]
    fn flags_narrow_the_scope_and_switch_election_off() {
        let config = parse(&[
            "--watch-namespace",
            "shop",
            "--leader-election",
            "false",
            "--http-addr",
            "127.0.0.1:9000",
        ]);
        assert_eq!(
            config.describe(),
            "reconciles OrderFlowPlatform (orderflow.io/v1alpha1) in namespace shop without \
             leader election; serves /metrics and /health on 127.0.0.1:9000"
        );
    }
}
