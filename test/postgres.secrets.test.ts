/** dr holds production's Postgres passwords: `--vault-seed --source-context` seeds them from production's cluster. */
import { standbySourceSecrets } from '../charts/data/postgres/chart';
import type { Kubectl } from '../scripts/lib/kubectl';
import { sourceValues, vaultSeed } from '../scripts/secrets';
import { renderAll } from './support/render';
import { withReceivablesStores } from './support/stores';

const dr = renderAll().find((p) => p.config.name === 'dr')!;
const b64 = (v: string) => Buffer.from(v).toString('base64');

/** Production's cluster as kubectl shows it: each Secret's data, and every call made. */
function sourceCluster(data: Record<string, Record<string, string>>) {
  const calls: string[][] = [];
  const kubectl = {
    run: (args: string[]) => {
      calls.push(args);
      const d = data[`${args[3]}/${args[4]}`];
      return d ? { code: 0, stdout: JSON.stringify({ data: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, b64(v)])) }), stderr: '' }
        : { code: 1, stdout: '', stderr: `secrets "${args[4]}" not found` };
    },
  } as unknown as Kubectl;
  return { kubectl, calls };
}

const production = {
  'db-postgres/postgres-superuser': { username: 'postgres', password: 'prodSuper' },
  'db-postgres/postgres-replication': { username: 'replicator', password: 'prodRepl' },
  'db-postgres/postgres-rewind': { username: 'rewinder', password: 'prodRewind' },
  'db-postgres/postgres-app': { username: 'receivables', password: 'prodApp' },
  'storage-minio/minio-postgres': { accessKey: 'prodaccess', secretKey: 'prodSecretKey' },
};

test('the seed carries production\'s Postgres passwords and MinIO keys; every other Secret gets fresh values', () => {
  const { kubectl, calls } = sourceCluster(production);
  const given = sourceValues(standbySourceSecrets(withReceivablesStores(dr).refs), dr.secrets, kubectl);
  expect(calls.every((c) => c[0] === 'get' && c[1] === 'secret')).toBe(true);
  const seed = vaultSeed('dr', dr.secrets, dr.config.secrets.vault!, given);
  const stored = (path: string) => {
    const lines = seed.split('\n');
    const at = lines.findIndex((l) => l.includes(` receivables/dr/${path} `));
    return at < 0 ? undefined : JSON.parse(lines[at + 1]);
  };
  // Fixed user names stay out of Vault (the ExternalSecret's template has them); passwords are production's.
  expect(stored('db-postgres/postgres-superuser')).toEqual({ password: 'prodSuper' });
  expect(stored('db-postgres/postgres-replication')).toEqual({ password: 'prodRepl' });
  expect(stored('db-postgres/postgres-rewind')).toEqual({ password: 'prodRewind' });
  expect(stored('db-postgres/postgres-app')).toEqual({ password: 'prodApp' });
  expect(stored('db-postgres/postgres-source-archive')).toEqual({ accessKey: 'prodaccess', secretKey: 'prodSecretKey' });
  // DR's own MinIO keys are not production's (only the archive reader is).
  expect(JSON.stringify(stored('storage-minio/minio-postgres'))).not.toContain('prod');
  expect(seed).toContain('-cas=0');
});

test('a Secret missing in production or lacking a key stops the seed with its name', () => {
  const { ['db-postgres/postgres-rewind']: _gone, ...withoutRewind } = production;
  expect(() => sourceValues(standbySourceSecrets(withReceivablesStores(dr).refs), dr.secrets, sourceCluster(withoutRewind).kubectl))
    .toThrow(/db-postgres\/postgres-rewind in the source cluster: secrets "postgres-rewind" not found/);
  const noKey = { ...production, 'storage-minio/minio-postgres': { accessKey: 'prodaccess' } };
  expect(() => sourceValues(standbySourceSecrets(withReceivablesStores(dr).refs), dr.secrets, sourceCluster(noKey).kubectl))
    .toThrow(/storage-minio\/minio-postgres in the source cluster lacks keys secretKey/);
});
