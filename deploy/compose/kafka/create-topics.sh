#!/usr/bin/env bash
# Creates the topics of the contracts' registry on the compose Kafka; safe to run again.
#
# ORDERFLOW_TOPICS: whitespace-separated `name:partitions` (the compose file lists
# orderflow_contracts::TOPICS; a test keeps the two equal). KAFKA_BOOTSTRAP_SERVERS: the broker.
# KAFKA_HOME: where the Kafka distribution lives (/opt/kafka in the apache/kafka image).
# Retry and dead-letter topics are not listed: each service creates its own at start-up.
set -euo pipefail

: "${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS}"
: "${ORDERFLOW_TOPICS:?set ORDERFLOW_TOPICS}"
replication_factor="${KAFKA_REPLICATION_FACTOR:-1}"
topics_cli="${KAFKA_HOME:-/opt/kafka}/bin/kafka-topics.sh"

for spec in ${ORDERFLOW_TOPICS}; do
  [[ "${spec}" =~ ^[A-Za-z0-9._-]+:[1-9][0-9]*$ ]] || { echo "not name:partitions: ${spec}" >&2; exit 1; }
  name="${spec%%:*}"
  partitions="${spec##*:}"
  "${topics_cli}" --bootstrap-server "${KAFKA_BOOTSTRAP_SERVERS}" \
    --create --if-not-exists --topic "${name}" \
    --partitions "${partitions}" --replication-factor "${replication_factor}"
done
"${topics_cli}" --bootstrap-server "${KAFKA_BOOTSTRAP_SERVERS}" --list
