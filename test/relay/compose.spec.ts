import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const ROOT = join(__dirname, '..', '..');
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

interface Service {
  ports?: string[];
  environment?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
}
const compose = load(text) as { services: Record<string, Service> };
const { services } = compose;

/** docker is not installed here: the compose file is checked by reading it. */
describe('docker-compose.yml: the topics and the database are closed', () => {
  it('publishes neither the database nor the broker', () => {
    expect(services.postgres.ports).toBeUndefined();
    expect(services.kafka.ports).toBeUndefined();
  });

  it('has no default secret: every password, key and signing key must be set', () => {
    const secrets = [...text.matchAll(/\$\{([A-Z_]+)(:?[-?])?[^}]*\}/g)].filter(([, name]) => /(PASSWORD|KEY|KEYS)$/.test(name));
    expect(secrets.length).toBeGreaterThan(5);
    for (const [reference, , operator] of secrets) expect([reference, operator]).toEqual([reference, ':?']);
    expect(text).not.toMatch(/postgres:postgres@|POSTGRES_PASSWORD: postgres/);
  });

  it('gives the relay and the projector each its own principal and the signing keys, and no other app either', () => {
    expect(services.relay.environment).toMatchObject({ KAFKA_USERNAME: 'relay', EVENT_SIGNING_KEYS: expect.stringContaining(':?') });
    expect(services.projector.environment).toMatchObject({
      KAFKA_USERNAME: 'projector',
      EVENT_SIGNING_KEYS: expect.stringContaining(':?'),
    });
    expect(services.relay.environment!.KAFKA_PASSWORD).toMatch(/^\$\{KAFKA_RELAY_PASSWORD:\?/);
    expect(services.projector.environment!.KAFKA_PASSWORD).toMatch(/^\$\{KAFKA_PROJECTOR_PASSWORD:\?/);
    for (const app of ['ingest-api', 'query-api', 'console']) {
      expect(Object.keys(services[app].environment!)).not.toEqual(expect.arrayContaining(['KAFKA_PASSWORD']));
      expect(Object.keys(services[app].environment!)).not.toEqual(expect.arrayContaining(['EVENT_SIGNING_KEYS']));
    }
    for (const app of ['relay', 'projector'])
      expect(services[app].depends_on!['kafka-acls'].condition).toBe('service_completed_successfully');
    expect(services['kafka-acls'].environment).toMatchObject({ KAFKA_USERNAME: 'admin' });
    expect(services['kafka-acls'].command!.join(' ')).toContain('dist/apps/relay/src/grant-acls.js');
  });

  it('documents every variable it reads in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const names = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    for (const name of names) expect([name, readme.includes(`\`${name}\``)]).toEqual([name, true]);
  });
});
