/**
 * PostgreSQL's alerting rules from its own metrics: Patroni's REST API `/metrics` (patroni_primary,
 * patroni_standby_leader, patroni_postgres_streaming, patroni_postgres_timeline, patroni_xlog_*; patroni/patroni
 * v4.0.4 patroni/api.py, the image's Patroni). A rule whose metric is absent never fires; the generic StatefulSet
 * rules (charts/monitoring/rules.ts) still cover the store.
 */
import type { PostgresConfig } from './context';
import { rule, type Rule, type StoreAlertKit } from '../../lib/alerts';

export function postgresAlerts(c: PostgresConfig, { n, down }: StoreAlertKit): Rule[] {
  const s = c.stores;
  const primary = `patroni_primary{${n}}`;
  // A standby cluster (dr) has no primary until it is promoted: its leader reports patroni_standby_leader, and
  // no member is a synchronous standby (Patroni keeps a standby cluster asynchronous).
  const standbyCluster = s.postgres.standby !== undefined;
  const standbyLeader = `patroni_standby_leader{${n}}`;
  // What the site has of the newest WAL: the primary's position, or on a standby cluster what its standby
  // leader has received from its source (the other site's primary, whose own position this Prometheus cannot
  // see). Every replica, and the standby leader's replay itself, is measured against it.
  const newest = `max(patroni_xlog_location{${n}} or (patroni_xlog_received_location{${n}} and on (pod) (${standbyLeader} == 1)))`;
  const following = `(patroni_replica{${n}} == 1 or ${standbyLeader} == 1)`;
  return [
    down('PostgresNotRunning', 'patroni_postgres_running', 'PostgreSQL'),
    standbyCluster
      ? rule('PostgresNoLeader', 'critical', '1m', `(sum(${primary}) or vector(0)) + (sum(${standbyLeader}) or vector(0)) < 1`,
        'PostgreSQL has no leader', 'No Patroni member holds the leader lock, as standby leader or (once promoted) as primary: nothing follows the source site.')
      : rule('PostgresNoPrimary', 'critical', '1m', `(sum(${primary}) or vector(0)) < 1`, 'PostgreSQL has no primary', 'No Patroni member holds the leader lock: writes fail.'),
    rule('PostgresSeveralPrimaries', 'critical', '1m', `sum(${primary}) > 1`, 'PostgreSQL has more than one primary', 'Split brain: more than one member runs as primary.'),
    rule('PostgresFailover', 'warning', '0m', `max(changes(patroni_postgres_timeline{${n}}[15m])) > 0`, 'PostgreSQL failed over', 'The timeline changed in the last 15 minutes: a replica was promoted.'),
    rule('PostgresReplicationLag', 'warning', '5m',
      `((scalar(${newest}) - patroni_xlog_replayed_location{${n}}) > 67108864) and on (pod) ${following}`,
      'PostgreSQL member {{ $labels.pod }} lags', standbyCluster
        ? 'The member has replayed {{ $value | humanize1024 }}B less WAL than this site has received from its source.'
        : 'The replica has replayed {{ $value | humanize1024 }}B less WAL than the primary has written.'),
    ...(standbyCluster ? [rule('PostgresStandbyNotStreaming', 'critical', '5m',
      `(patroni_postgres_streaming{${n}} == 0) and on (pod) (${standbyLeader} == 1)`,
      'PostgreSQL standby leader {{ $labels.pod }} does not stream from its source',
      'The standby cluster receives no WAL from the source site\'s primary (at best it replays the archive): its lag behind the source grows unseen.')] : []),
    // Only where there is a primary: a standby cluster has no synchronous standby until it is promoted.
    ...(c.ha ? [rule('PostgresNoSynchronousStandby', 'critical', '5m',
      `(sum(patroni_sync_standby{${n}}) or vector(0)) < 1 and on () (sum(${primary}) >= 1)`,
      'PostgreSQL has no synchronous standby', 'Commits wait for a synchronous standby that does not exist: writes stall or lose their zero-data-loss guarantee.')] : []),
  ];
}
