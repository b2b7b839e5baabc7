import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { principalList, topicAcls } from './acls';
import { topicNames } from './topics';

describe('topic ACLs', () => {
  const prefix = 'p1.';
  const topics = topicNames(prefix);
  const acls = topicAcls(prefix, { relay: 'relay', projector: 'projector', readers: ['audit'], biReaders: ['bi', 'bi2'] });
  const who = (operation: AclOperationTypes, resourceName: string) =>
    acls
      .filter((a) => a.operation === operation && a.resourceName === resourceName && a.resourceType === AclResourceTypes.TOPIC)
      .map((a) => a.principal)
      .sort();

  it('lets the relay alone write the events topic, the projector and KAFKA_READERS read it', () => {
    expect(who(AclOperationTypes.WRITE, topics.events)).toEqual(['User:relay']);
    expect(who(AclOperationTypes.READ, topics.events)).toEqual(['User:audit', 'User:projector']);
  });

  it('lets the projector alone write the DLQ and the KPI snapshots, which BI principals read', () => {
    expect(who(AclOperationTypes.WRITE, topics.eventsDlq)).toEqual(['User:projector']);
    expect(who(AclOperationTypes.WRITE, topics.kpiSnapshots)).toEqual(['User:projector']);
    expect(who(AclOperationTypes.READ, topics.kpiSnapshots)).toEqual(['User:bi', 'User:bi2']);
    expect(who(AclOperationTypes.READ, topics.eventsDlq)).toEqual([]);
  });

  it('names every topic literally (a prefixed pattern on the events topic would cover its DLQ), groups by the deployment prefix', () => {
    for (const acl of acls.filter((a) => a.resourceType === AclResourceTypes.TOPIC)) {
      expect(acl.resourcePatternType).toBe(ResourcePatternTypes.LITERAL);
    }
    const groups = acls
      .filter((a) => a.resourceType === AclResourceTypes.GROUP)
      .map((a) => [a.principal, a.resourceName, a.resourcePatternType]);
    expect(groups).toEqual([
      ['User:projector', 'p1.projector', ResourcePatternTypes.LITERAL],
      ['User:audit', 'p1.audit', ResourcePatternTypes.PREFIXED],
      ['User:bi', 'p1.bi', ResourcePatternTypes.PREFIXED],
      ['User:bi2', 'p1.bi2', ResourcePatternTypes.PREFIXED],
    ]);
  });

  it('reads principal lists, refusing a name that is not one', () => {
    expect(principalList(' bi, bi2 ,', 'KAFKA_BI_READERS')).toEqual(['bi', 'bi2']);
    expect(principalList(undefined, 'KAFKA_READERS')).toEqual([]);
    expect(() => principalList('ok,User:x', 'KAFKA_READERS')).toThrow('KAFKA_READERS: User:x is not a principal name');
  });
});
