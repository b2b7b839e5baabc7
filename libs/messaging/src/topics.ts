/** Topic names of contract §5; the prefix (KAFKA_TOPIC_PREFIX) lets deployments share a broker. */
export interface Topics {
  readonly events: string;
  readonly eventsDlq: string;
  readonly kpiSnapshots: string;
}

export function topicNames(prefix: string): Topics {
  return {
    events: `${prefix}investment.events.v1`,
    eventsDlq: `${prefix}investment.events.v1.dlq`,
    kpiSnapshots: `${prefix}investment.kpi-snapshots.v1`,
  };
}
