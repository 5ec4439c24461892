/**
 * Fluent Bit (fluent/helm-charts fluent-bit-0.47.10, Fluent Bit 3.1.9): a DaemonSet that tails every container's
 * log under /var/log/containers on each node, adds the pod's Kubernetes metadata and sends the records to the
 * environment's backend, Loki (./loki.ts) or the platform's Elasticsearch (charts/logging/).
 *
 * Read at the pinned tag (charts/fluent-bit/): values.yaml (kind DaemonSet, daemonSetVolumes with hostPath
 * /var/log and /var/lib/docker/containers, testFramework.enabled true with busybox:latest: turned off here),
 * templates/_pod.tpl (one container `fluent-bit`, port `http` = metricsPort 2020, env, extraVolumes and
 * daemonSetVolumes), templates/daemonset.yaml (selector app.kubernetes.io/name + instance), templates/
 * configmap.yaml (config.service/inputs/filters/outputs), templates/clusterrole.yaml (get/list/watch pods and
 * namespaces for the kubernetes filter), templates/servicemonitor.yaml.
 *
 * The image (fluent/fluent-bit v3.1.9 dockerfiles/Dockerfile, production stage FROM gcr.io/distroless/cc-debian12)
 * declares no USER: it runs as root, which it needs here to read the root-owned 0640 files under /var/log/pods and
 * to write its position database; every capability is dropped and the root file system is read-only. The hostPath
 * volumes need the namespace at Pod Security `privileged` (baseline forbids hostPath): environments/logging.ts.
 */
import { LOG_AGENT_NAMESPACE, type EnvironmentConfig } from '../../../environments/schema';
import type { ComputeResources } from '../../../environments/values';
import { FOLDERS } from '../../lib/folders';
import { image } from '../../lib/images';
import { kinds, type AddonCreates, type AddonPodSpec, type AddonSpec } from './shapes';

export const FLUENT_BIT_CHART = { repoURL: 'https://fluent.github.io/helm-charts', chart: 'fluent-bit', version: '0.47.10' } as const;
/** charts/fluent-bit/Chart.yaml appVersion at fluent-bit-0.47.10. */
export const FLUENT_BIT_VERSION = '3.1.9';
const SOURCE = 'fluent/helm-charts fluent-bit-0.47.10 charts/fluent-bit';

/** Spec 004 "Resource Allocation Guidelines", Fluent Bit: requests 100m / 128Mi, limits 200m / 256Mi. */
export const FLUENT_BIT_RESOURCES: ComputeResources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } };
/** The chart's metricsPort: HTTP server with /api/v1/health and /api/v1/metrics/prometheus. */
export const FLUENT_BIT_HTTP_PORT = 2020;
/** Where the CA certificate of the platform's internal CA is mounted (the Elasticsearch backend's TLS). */
export const FLUENT_BIT_CA_DIR = '/fluent-bit/es-ca';
/** The Secret Fluent Bit's CA certificate comes from (charts/logging/chart.ts issues it). */
export const FLUENT_BIT_CA_SECRET = 'fluent-bit-es-ca';
/** Position database on the node: a restarted pod resumes where it stopped instead of re-reading every file. */
const STATE_DIR = '/var/lib/fluent-bit';

/** Where Fluent Bit sends: the host, port and, for Elasticsearch, the user Secret and data stream. */
export type FluentBitOutput =
  | { readonly kind: 'loki'; readonly host: string; readonly port: number }
  | { readonly kind: 'elasticsearch'; readonly host: string; readonly port: number; readonly secret: string; readonly dataStream: string };

function outputs(c: EnvironmentConfig, o: FluentBitOutput): string {
  if (o.kind === 'loki') {
    return [
      '[OUTPUT]',
      '    Name loki',
      '    Match kube.*',
      `    Host ${o.host}`,
      `    Port ${o.port}`,
      // Few, bounded labels (Loki indexes them); everything else stays in the JSON line.
      `    Labels job=fluent-bit, environment=${c.name}, namespace=$kubernetes['namespace_name'], container=$kubernetes['container_name']`,
      '    Line_Format json',
      '    Retry_Limit False',
      '',
    ].join('\n');
  }
  return [
    '[OUTPUT]',
    '    Name es',
    '    Match kube.*',
    `    Host ${o.host}`,
    `    Port ${o.port}`,
    // A data stream (charts/logging/setup.ts: its index template and lifecycle policy): append-only creates.
    `    Index ${o.dataStream}`,
    '    Write_Operation create',
    '    Suppress_Type_Name On',
    '    Replace_Dots On',
    '    HTTP_User ${ES_USERNAME}',
    '    HTTP_Passwd ${ES_PASSWORD}',
    '    tls On',
    '    tls.verify On',
    `    tls.ca_file ${FLUENT_BIT_CA_DIR}/ca.crt`,
    '    Retry_Limit False',
    '',
  ].join('\n');
}

export function fluentBit(c: EnvironmentConfig, output: FluentBitOutput): AddonSpec<'fluent-bit'> & { readonly folder: string } {
  const ref = image(c, `cr.fluentbit.io/fluent/fluent-bit:${FLUENT_BIT_VERSION}`);
  const at = ref.lastIndexOf(':');
  const es = output.kind === 'elasticsearch';
  return {
    name: 'fluent-bit', namespace: LOG_AGENT_NAMESPACE, ...FLUENT_BIT_CHART,
    images: [ref],
    values: {
      kind: 'DaemonSet',
      image: { repository: ref.slice(0, at), tag: ref.slice(at + 1), pullPolicy: c.images.pullPolicy },
      // The chart's test pod runs busybox:latest (values.yaml testFramework): unpinned, and not ours to run.
      testFramework: { enabled: false },
      resources: c.addons.logging?.fluentBit?.resources ?? FLUENT_BIT_RESOURCES,
      podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: {
        runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      },
      // Every node's logs, GPU and other tainted pools included.
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
      // containerd (k3s, kubeadm): /var/log/containers links into /var/log/pods; the Docker path is not mounted.
      daemonSetVolumes: [
        { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
        { name: 'state', hostPath: { path: STATE_DIR, type: 'DirectoryOrCreate' } },
      ],
      daemonSetVolumeMounts: [
        { name: 'varlog', mountPath: '/var/log', readOnly: true },
        { name: 'state', mountPath: STATE_DIR },
      ],
      ...(es ? {
        env: [
          { name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: output.secret, key: 'username' } } },
          { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: output.secret, key: 'password' } } },
        ],
        // Issued by cert-manager in 40-logging, which syncs before this Application (41-logging-addons, ./late.ts).
        extraVolumes: [{ name: 'es-ca', secret: { secretName: FLUENT_BIT_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
        extraVolumeMounts: [{ name: 'es-ca', mountPath: FLUENT_BIT_CA_DIR, readOnly: true }],
      } : {}),
      metricsPort: FLUENT_BIT_HTTP_PORT,
      serviceMonitor: { enabled: c.addons.monitoring.enabled },
      config: {
        service: [
          '[SERVICE]',
          '    Daemon Off',
          '    Flush 1',
          '    Log_Level info',
          '    Parsers_File /fluent-bit/etc/parsers.conf',
          '    HTTP_Server On',
          '    HTTP_Listen 0.0.0.0',
          `    HTTP_Port ${FLUENT_BIT_HTTP_PORT}`,
          '    Health_Check On',
          '',
        ].join('\n'),
        inputs: [
          '[INPUT]',
          '    Name tail',
          '    Path /var/log/containers/*.log',
          // Its own logs would loop through the pipeline on every error it reports.
          `    Exclude_Path /var/log/containers/*_${LOG_AGENT_NAMESPACE}_*.log`,
          '    multiline.parser cri, docker',
          '    Tag kube.*',
          `    DB ${STATE_DIR}/tail.db`,
          '    Mem_Buf_Limit 5MB',
          '    Skip_Long_Lines On',
          '',
        ].join('\n'),
        filters: [
          '[FILTER]',
          '    Name kubernetes',
          '    Match kube.*',
          '    Merge_Log On',
          '    Keep_Log Off',
          '    K8S-Logging.Parser On',
          '    K8S-Logging.Exclude On',
          '',
        ].join('\n'),
        outputs: outputs(c, output),
      },
    },
    ignoreDifferences: [],
    folder: FOLDERS.loggingAddons,
  };
}

/**
 * What the chart creates with these values (templates at the pinned tag): the DaemonSet, its ConfigMap,
 * ServiceAccount and Service; ClusterRole and ClusterRoleBinding (clusterrole.yaml, rbac.create); a
 * ServiceMonitor where monitoring is installed.
 */
export function fluentBitResources(c: EnvironmentConfig, a: AddonSpec<string>): AddonCreates {
  const monitored = c.addons.monitoring.enabled;
  return {
    cluster: kinds('rbac.authorization.k8s.io', 'ClusterRole', 'ClusterRoleBinding'),
    namespaced: [{
      namespace: a.namespace,
      kinds: [
        ...kinds('', 'ConfigMap', 'Service', 'ServiceAccount'), ...kinds('apps', 'DaemonSet'),
        ...(monitored ? kinds('monitoring.coreos.com', 'ServiceMonitor') : []),
      ],
    }],
    crdGroups: [], apiServices: [],
    // The Elasticsearch user's copy (generated before the install) and the CA certificate's Secret (40-logging).
    needsSecrets: (a.values as any).env ? [`${a.namespace}/${(a.values as any).env[0].valueFrom.secretKeyRef.name}`, `${a.namespace}/${FLUENT_BIT_CA_SECRET}`] : [],
    issuedSecrets: [],
    usesGroups: monitored ? ['monitoring.coreos.com'] : [],
  };
}

/** One pod per node it tolerates (every node), one container sized from our values. */
export function fluentBitPods(v: Record<string, any>): AddonPodSpec[] {
  return [{ name: 'fluent-bit', replicas: 0, containers: [v.resources], daemonSet: { toleratesAll: true }, source: `${SOURCE}/templates/_pod.tpl resources, values.yaml kind DaemonSet` }];
}
