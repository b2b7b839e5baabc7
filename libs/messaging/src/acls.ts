import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Kafka } from 'kafkajs';
import { topicNames } from './topics';

/** The principals (SCRAM user names) a deployment's topics are opened to. */
export interface TopicPrincipals {
  /** The only writer of the events topic. */
  readonly relay: string;
  /** Reads the events topic as the group `<prefix>projector`; writes the DLQ and the KPI snapshots. */
  readonly projector: string;
  /** KAFKA_READERS: read the events topic, as groups named `<prefix><name>…`. */
  readonly readers: readonly string[];
  /** KAFKA_BI_READERS: read the KPI snapshot topic, as groups named `<prefix><name>…`. */
  readonly biReaders: readonly string[];
}

const { TOPIC, GROUP } = AclResourceTypes;
const { READ, WRITE, CREATE, DESCRIBE } = AclOperationTypes;

/**
 * The ACLs of contract §6 for the topics of `prefix`: the relay alone writes the events
 * topic; the projector and the readers read it; the projector writes the DLQ and the KPI
 * snapshots, which BI principals read. Each service may create the topics it uses (not
 * more: creating is not writing). Nothing else is allowed (the broker allows nobody by default).
 */
export function topicAcls(prefix: string, principals: TopicPrincipals): AclEntry[] {
  const topics = topicNames(prefix);
  const entries: AclEntry[] = [];
  const allow = (
    principal: string,
    resourceType: AclResourceTypes,
    resourceName: string,
    operations: AclOperationTypes[],
    resourcePatternType = ResourcePatternTypes.LITERAL,
  ) => {
    for (const operation of operations) {
      entries.push({
        resourceType,
        resourceName,
        resourcePatternType,
        principal: `User:${principal}`,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      });
    }
  };
  allow(principals.relay, TOPIC, topics.events, [WRITE, DESCRIBE, CREATE]);
  allow(principals.projector, TOPIC, topics.events, [READ, DESCRIBE, CREATE]);
  allow(principals.projector, GROUP, `${prefix}projector`, [READ]);
  allow(principals.projector, TOPIC, topics.eventsDlq, [WRITE, DESCRIBE, CREATE]);
  allow(principals.projector, TOPIC, topics.kpiSnapshots, [WRITE, DESCRIBE, CREATE]);
  for (const reader of principals.readers) {
    allow(reader, TOPIC, topics.events, [READ, DESCRIBE]);
    allow(reader, GROUP, `${prefix}${reader}`, [READ], ResourcePatternTypes.PREFIXED);
  }
  for (const reader of principals.biReaders) {
    allow(reader, TOPIC, topics.kpiSnapshots, [READ, DESCRIBE]);
    allow(reader, GROUP, `${prefix}${reader}`, [READ], ResourcePatternTypes.PREFIXED);
  }
  return entries;
}

/** Creates the ACLs of `topicAcls` with `kafka` (a super user's client); ACLs that exist are kept. */
export async function grantTopicAcls(kafka: Kafka, prefix: string, principals: TopicPrincipals): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: topicAcls(prefix, principals) });
  } finally {
    await admin.disconnect();
  }
}

/** A comma-separated list of principal names (KAFKA_READERS, KAFKA_BI_READERS). */
export function principalList(raw: string | undefined, variable: string): string[] {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const bad = names.find((name) => !/^[A-Za-z0-9._-]+$/.test(name));
  if (bad !== undefined) throw new Error(`${variable}: ${bad} is not a principal name (letters, digits, '.', '_' and '-')`);
  return names;
}
