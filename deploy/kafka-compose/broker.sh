#!/bin/sh
# The Kafka service of docker-compose.yml: one KRaft node, closed like the local broker
# (deploy/kafka-local/kafka.js). Clients authenticate with SASL/SCRAM-SHA-512 on 9092 and are
# authorized by ACL; only `admin` is a super user; the controller listener is on the
# container's loopback and takes SASL/PLAIN with the admin's password alone. The SCRAM users
# are written into the cluster's metadata when its volume is formatted (first start); later
# password changes go through kafka-configs.sh. Passwords are never printed.
set -eu

for name in ADMIN RELAY PROJECTOR BI; do
  eval "password=\${KAFKA_${name}_PASSWORD:-}"
  case "$password" in
    "" | *[!A-Za-z0-9_-]*) echo "KAFKA_${name}_PASSWORD: set it, of letters, digits, '-' and '_'" >&2; exit 2 ;;
  esac
  if [ ${#password} -lt 16 ]; then echo "KAFKA_${name}_PASSWORD: at least 16 characters" >&2; exit 2; fi
done

home=${KAFKA_HOME:-/opt/kafka}
data=${KAFKA_DATA:-/var/lib/kafka/data}/kraft
config=${TMPDIR:-/tmp}/server.properties
umask 077
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT:-9093}
listeners=CLIENT://:${KAFKA_PORT:-9092},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT:-9093}
advertised.listeners=CLIENT://${KAFKA_ADVERTISED_HOST:-kafka}:${KAFKA_PORT:-9092}
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}" user_admin="${KAFKA_ADMIN_PASSWORD}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
log.dirs=${data}
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
  "$home/bin/kafka-storage.sh" format --cluster-id "$("$home/bin/kafka-storage.sh" random-uuid)" -c "$config" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=relay,password=${KAFKA_RELAY_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=projector,password=${KAFKA_PROJECTOR_PASSWORD}]" \
    --add-scram "SCRAM-SHA-512=[name=bi,password=${KAFKA_BI_PASSWORD}]" >/dev/null
fi
exec "$home/bin/kafka-server-start.sh" "$config"
