/**
 * What dev runs, for real: the dev files of the redis-config ConfigMap with Debian's redis-server and
 * redis-sentinel on 127.0.0.1 (one server, one Sentinel with quorum 1, min-replicas-to-write 0). Clients use
 * Sentinel exactly as in production; a restarted server is master again at once, with its data from the AOF.
 */
import * as path from 'path';
import { LocalRedis, certificateSerial, renderedRedisFiles, renewTestCertificate, servedCertificateSerial, waitFor } from './support/redis-local';

jest.setTimeout(60_000);

let cluster: LocalRedis;

beforeAll(async () => {
  cluster = await LocalRedis.create(renderedRedisFiles('dev'));
  for (const m of cluster.members) cluster.start(m);
});

afterAll(() => cluster?.stopAll());

test('one server and one Sentinel that names it as master', async () => {
  expect([cluster.servers.length, cluster.sentinels.length]).toEqual([1, 1]);
  expect(cluster.rendered.files['sentinel.conf']).toMatch(/^sentinel monitor \S+ @MASTER_HOST@ @MASTER_PORT@ 1$/m);
  const [server] = cluster.servers;
  const [sentinel] = cluster.sentinels;
  await waitFor('the Sentinel to name the server', 20_000, () => cluster.sentinelMaster(sentinel) === server);
  expect(cluster.role(server)).toBe('master');
  expect(cluster.run(server, 'redis-ready').status).toBe(0);
  expect(cluster.run(sentinel, 'sentinel-ready').status).toBe(0);
});

test('the lone master accepts writes (no replica is required), and WAIT 0 acknowledges them', () => {
  const [server] = cluster.servers;
  expect(cluster.pipeline(server, ['SET session:1 alice', 'WAIT 0 100', 'GET session:1'])).toEqual(['OK', '0', 'alice']);
});

test('restarted, the server is master again with its data, and its preStop does nothing', async () => {
  const [server] = cluster.servers;
  const [sentinel] = cluster.sentinels;
  expect(cluster.run(server, 'pre-stop')).toEqual({ status: 0, output: '' });
  cluster.signal(server, 'SIGKILL');
  cluster.start(server);
  await waitFor('the server to answer as master', 20_000, () => cluster.role(server) === 'master');
  expect(cluster.cli(server, 'GET', 'session:1')).toEqual(['alice']);
  expect(cluster.sentinelMaster(sentinel)).toBe(server);
});

test('a renewed certificate: the server loads it in place from its readiness probe; the Sentinel asks to be restarted', async () => {
  const [server] = cluster.servers;
  const [sentinel] = cluster.sentinels;
  const crt = path.join(cluster.tlsDir, 'tls.crt');
  expect(servedCertificateSerial(server.port)).toBe(certificateSerial(crt));
  expect(cluster.run(server, 'redis-ready').output).toBe('');
  expect(cluster.run(sentinel, 'sentinel-live').status).toBe(0);
  renewTestCertificate(cluster.tlsDir);
  expect(servedCertificateSerial(server.port)).not.toBe(certificateSerial(crt));
  const ready = cluster.run(server, 'redis-ready');
  expect(ready).toEqual({ status: 0, output: 'redis-ha: loaded the renewed certificate\n' });
  expect(servedCertificateSerial(server.port)).toBe(certificateSerial(crt));
  // Once loaded, the next probe does nothing.
  expect(cluster.run(server, 'redis-ready')).toEqual({ status: 0, output: '' });
  // Sentinel cannot reload: its liveness fails (ordinal 0 at once, the others a minute apart each) and the
  // kubelet restarts it, with the new certificate and its saved state.
  const live = cluster.run(sentinel, 'sentinel-live');
  expect(live.status).toBe(1);
  expect(live.output).toMatch(/certificate was renewed/);
  cluster.signal(sentinel, 'SIGKILL');
  cluster.start(sentinel);
  await waitFor('the restarted Sentinel to name the server', 20_000, () => cluster.sentinelMaster(sentinel) === server);
  expect(servedCertificateSerial(sentinel.port)).toBe(certificateSerial(crt));
  expect(cluster.run(sentinel, 'sentinel-live').status).toBe(0);
});
