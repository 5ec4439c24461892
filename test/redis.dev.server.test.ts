/**
 * What dev runs, for real: the dev files of the redis-config ConfigMap with Debian's redis-server and
 * redis-sentinel on 127.0.0.1 (one server, one Sentinel with quorum 1, min-replicas-to-write 0). Clients use
 * Sentinel exactly as in production; a restarted server is master again at once, with its data from the AOF.
 */
import { LocalRedis, renderedRedisFiles, waitFor } from './support/redis-local';

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
