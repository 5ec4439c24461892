/** The shared helpers the store charts are built from (charts/lib: checksum, container, env, service, job, StatefulSet). */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Chart, Testing } from 'cdk8s';
import { certificate } from '../charts/lib/certificate';
import { CONFIG_CHECKSUM, configChecksum } from '../charts/lib/checksum';
import { container, containerPort, emptyDir, execProbe, httpProbe, tcpProbe } from '../charts/lib/container';
import { fieldEnv, secretEnvs } from '../charts/lib/env';
import { POST_SYNC_HOOK, setupJob } from '../charts/lib/job';
import { annotationKey, labelDomain } from '../charts/lib/labels';
import { clusterService, headlessService, namedPort, servicePort } from '../charts/lib/service';
import { isolatedPod } from '../charts/lib/security';
import { storeStatefulSet } from '../charts/lib/stateful-set';
import { modelErrors, unknownFields } from './support/k8s-schema';
import { loadEnvironment } from '../environments';
import { KEYS } from './support/stores';

const dev = loadEnvironment('dev');
const production = loadEnvironment('production');
const dr = loadEnvironment('dr');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('configChecksum', () => {
  test('a text as it is, several texts joined by NUL, files as their JSON', () => {
    expect(configChecksum('a')).toBe(sha256('a'));
    expect(configChecksum(['a', 'b'])).toBe(sha256('a\0b'));
    expect(configChecksum({ 'x.conf': 'a' })).toBe(sha256('{"x.conf":"a"}'));
  });

  test('moving a boundary between texts, or renaming a file, changes the sum', () => {
    expect(configChecksum(['ab', 'c'])).not.toBe(configChecksum(['a', 'bc']));
    expect(configChecksum({ a: 'x' })).not.toBe(configChecksum({ b: 'x' }));
  });

  test('digits keep a prefix; too short or too long a prefix is refused', () => {
    expect(configChecksum('a', 16)).toBe(sha256('a').slice(0, 16));
    expect(configChecksum('a')).toHaveLength(64);
    expect(() => configChecksum('a', 4)).toThrow(/digits 4 must be a whole number from 8 to 64/);
    expect(() => configChecksum('a', 65)).toThrow(/from 8 to 64/);
  });

  test('the annotation is one synth reads as a restart (checksum/*)', () => {
    expect(CONFIG_CHECKSUM).toMatch(/^checksum\//);
  });
});

describe('annotationKey', () => {
  test('keys sit in the same domain as the platform labels', () => {
    expect(annotationKey(production, 'config-sha256')).toBe(`${labelDomain(production)}/config-sha256`);
    expect(KEYS.pool.startsWith(`${labelDomain(production)}/`)).toBe(true);
  });

  test('store and application charts spell no label domain of their own', () => {
    const domain = labelDomain(production);
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && fs.readFileSync(p, 'utf8').includes(`'${domain}/`)) offenders.push(p);
      }
    };
    for (const dir of ['charts/data', 'charts/apps']) walk(path.join(__dirname, '..', dir));
    expect(offenders).toEqual([]);
  });
});

describe('container', () => {
  test('image through the registry rewrite, pull policy and restricted security context from the environment', () => {
    const c = container(dr, 'x', 'docker.io/library/redis:7.2.5', { command: ['redis-server'] });
    expect(c.image).toBe(`${dr.images.registry}/library/redis:7.2.5`);
    expect(c.imagePullPolicy).toBe(dr.images.pullPolicy);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.command).toEqual(['redis-server']);
  });

  test('a container that needs another security context says so', () => {
    const c = container(dev, 'sysctl', 'docker.io/library/busybox:1.36', { securityContext: { privileged: true } });
    expect(c.securityContext).toEqual({ privileged: true });
  });

  test('an unpinned image is refused as image() refuses it', () => {
    expect(() => container(dev, 'x', 'docker.io/library/redis:latest')).toThrow(/pinned/);
  });

  test('ports are TCP by name; scratch volumes on disk or in memory, with or without a limit', () => {
    expect(containerPort('http', 8080)).toEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    expect(emptyDir('tmp')).toEqual({ name: 'tmp', emptyDir: {} });
    const run = emptyDir('run', '16Mi', 'Memory');
    expect(run.emptyDir?.medium).toBe('Memory');
    expect(run.emptyDir?.sizeLimit?.value).toBe('16Mi');
  });
});

describe('isolatedPod', () => {
  test('no API token, no service links, non-root as the given user and group', () => {
    const pod = isolatedPod(999, 996);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 996, fsGroup: 996, seccompProfile: { type: 'RuntimeDefault' } });
    expect(isolatedPod(101).securityContext?.runAsGroup).toBe(101);
  });
});

describe('probes', () => {
  test('named timing, a 5 s timeout unless told otherwise, ports by name', () => {
    expect(tcpProbe('client', { periodSeconds: 10, failureThreshold: 60 })).toEqual({
      tcpSocket: { port: expect.objectContaining({ value: 'client' }) }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60,
    });
    const http = httpProbe('/ping', 'http', { periodSeconds: 20, timeoutSeconds: 2 }, 'HTTP');
    expect(http.httpGet).toMatchObject({ path: '/ping', scheme: 'HTTP' });
    expect(http.timeoutSeconds).toBe(2);
    expect(http).not.toHaveProperty('failureThreshold');
    expect(execProbe(['sh', 'probe.sh'], { periodSeconds: 5, failureThreshold: 2 }).exec).toEqual({ command: ['sh', 'probe.sh'] });
  });
});

describe('environment variables', () => {
  test('several keys of one Secret, in the order given, by name or by ref', () => {
    const env = secretEnvs({ name: 's', keys: ['username', 'password'] }, { APP_USER: 'username', APP_PASSWORD: 'password' });
    expect(env.map((e) => e.name)).toEqual(['APP_USER', 'APP_PASSWORD']);
    expect(env[1].valueFrom?.secretKeyRef).toEqual({ name: 's', key: 'password' });
    expect(secretEnvs('t', { X: 'k' })[0].valueFrom?.secretKeyRef).toEqual({ name: 't', key: 'k' });
  });

  test('downward API fields, with the API version only where asked', () => {
    expect(fieldEnv('POD_NAME', 'metadata.name').valueFrom?.fieldRef).toEqual({ fieldPath: 'metadata.name' });
    expect(fieldEnv('POD_NAME', 'metadata.name', 'v1').valueFrom?.fieldRef).toEqual({ apiVersion: 'v1', fieldPath: 'metadata.name' });
  });
});

describe('services', () => {
  test('headless Services publish not-ready pods; client Services have a cluster IP; ports target container ports by name', () => {
    const chart = new Chart(Testing.app(), 'c');
    headlessService(chart, 'h', { name: 'x-hl' }, { a: 'b' }, [servicePort('raft', 9234)]);
    clusterService(chart, 'c', { name: 'x' }, { a: 'b' }, [namedPort('client', 80, 'http')]);
    const [h, c] = Testing.synth(chart);
    expect(h.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: { a: 'b' } });
    expect(h.spec.ports).toEqual([{ name: 'raft', port: 9234, targetPort: 'raft', protocol: 'TCP' }]);
    expect(c.spec.clusterIP).toBeUndefined();
    expect(c.spec.ports).toEqual([{ name: 'client', port: 80, targetPort: 'http' }]);
  });
});

describe('storeStatefulSet', () => {
  const render = (config = production, extra: Partial<Parameters<typeof storeStatefulSet>[2]> = {}) => {
    const chart = new Chart(Testing.app(), 'c');
    storeStatefulSet(chart, 's', {
      config, metadata: { name: 's', namespace: 'n' }, serviceName: 's-hl', replicas: 3, selector: { a: 'b' },
      podManagementPolicy: 'Parallel',
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x/y:1' }] } },
      claims: [{ name: 'data', size: '10Gi' }],
      ...extra,
    });
    return Testing.synth(chart)[0];
  };

  test('members kept apart on the selector, rolling updates, claims from the storage class with apiVersion and kind', () => {
    const sts = render();
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels).toEqual({ a: 'b' });
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', labels: { a: 'b' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: production.storageClass, resources: { requests: { storage: '10Gi' } } },
    }]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toBeUndefined();
    expect(unknownFields(sts)).toEqual([]);
  });

  test('no claims, another update strategy, other claim labels and retained claims where asked', () => {
    expect(render(dev, { claims: [] }).spec.volumeClaimTemplates).toBeUndefined();
    expect(render(dev, { updateStrategy: 'OnDelete' }).spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(render(dev, { claimLabels: { c: 'd' } }).spec.volumeClaimTemplates[0].metadata.labels).toEqual({ c: 'd' });
    expect(render(dev, { retainClaims: true }).spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });
});

describe('setupJob', () => {
  const render = (files: Record<string, string>) => {
    const chart = new Chart(Testing.app(), 'c');
    setupJob(chart, 'j', {
      config: dev, name: 'x-setup', namespace: 'n', id: { name: 'x', component: 'setup' }, files,
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x/y:1' }] } },
    });
    return Testing.synth(chart)[0];
  };

  test('a PostSync hook named after its files: a changed script arrives as a new Job', () => {
    const a = render({ 'setup.sh': 'echo a' });
    const b = render({ 'setup.sh': 'echo b' });
    expect(a.metadata.name).toMatch(/^x-setup-[0-9a-f]{10}$/);
    expect(b.metadata.name).not.toBe(a.metadata.name);
    expect(a.metadata.annotations).toMatchObject(POST_SYNC_HOOK);
    expect(a.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
  });
});

describe('certificate', () => {
  test('a 90-day ECDSA leaf whose key rotates on renewal, named after its Secret, valid for cert-manager', () => {
    const chart = new Chart(Testing.app(), 'c');
    certificate(chart, 'x', {
      config: dev, name: 'x-tls', namespace: 'n', id: { name: 'x', component: 'tls' },
      issuer: { name: 'internal-ca', kind: 'ClusterIssuer' }, subject: { dnsNames: ['x.n.svc'] }, privateKey: { encoding: 'PKCS8' },
    });
    const [cert] = Testing.synth(chart);
    expect(cert.spec).toMatchObject({
      secretName: 'x-tls', dnsNames: ['x.n.svc'], duration: '2160h', renewBefore: '360h',
      issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
    });
    expect(modelErrors(cert)).toBeUndefined();
  });

  test('a caller cannot turn key rotation off by the private key settings', () => {
    const chart = new Chart(Testing.app(), 'c');
    certificate(chart, 'x', {
      config: dev, name: 'x-tls', namespace: 'n', id: { name: 'x', component: 'tls' },
      issuer: { name: 'i', kind: 'Issuer' }, subject: {}, privateKey: { rotationPolicy: 'Never' },
    });
    expect(Testing.synth(chart)[0].spec.privateKey.rotationPolicy).toBe('Always');
  });
});
