/**
 * CloudWatch GetMetricData (awsJson1_0, query-compatible) with synthetic AWS/RDS Backtrack
 * metrics: a cluster with Backtrack on has data under one dimension set (cluster or writer
 * instance, as the fleet says), one datapoint per period over the requested range.
 */
import { CLOUDWATCH_LIMITS } from '../../emulator/aws-limits';
import type { SyntheticCluster } from '../fleet';
import { AwsError, isRecord } from './wire';

const MAX_QUERIES = CLOUDWATCH_LIMITS.queriesPerGetMetricData;
const MAX_DATAPOINTS = CLOUDWATCH_LIMITS.datapointsPerGetMetricData;
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const STATS = /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?|tm\d+|IQM|TM\(.*\)|PR\(.*\))$/;

interface Lookup {
  byCluster: Map<string, SyntheticCluster>;
  byWriter: Map<string, SyntheticCluster>;
}

export class CloudWatchFake {
  private readonly lookups = new Map<string, Lookup>();

  constructor(byRegion: Map<string, SyntheticCluster[]>) {
    for (const [region, list] of byRegion) {
      const byCluster = new Map<string, SyntheticCluster>();
      const byWriter = new Map<string, SyntheticCluster>();
      for (const c of list) {
        byCluster.set(c.identifier, c);
        if (c.instanceIds[0]) byWriter.set(c.instanceIds[0], c);
      }
      this.lookups.set(region, { byCluster, byWriter });
    }
  }

  private series(region: string, query: Record<string, unknown>): { label: string; value: number | undefined } {
    const stat = query['MetricStat'] as Record<string, unknown>;
    const metric = stat['Metric'] as Record<string, unknown>;
    const name = String(metric['MetricName']);
    const dims = Array.isArray(metric['Dimensions']) ? metric['Dimensions'].filter(isRecord) : [];
    const label = typeof query['Label'] === 'string' ? query['Label'] : name;
    if (metric['Namespace'] !== 'AWS/RDS' || dims.length !== 1) return { label, value: undefined };
    const dim = dims[0] as Record<string, unknown>;
    const look = this.lookups.get(region);
    const c =
      dim['Name'] === 'DBClusterIdentifier'
        ? look?.byCluster.get(String(dim['Value']))
        : dim['Name'] === 'DBInstanceIdentifier'
          ? look?.byWriter.get(String(dim['Value']))
          : undefined;
    const source = dim['Name'] === 'DBClusterIdentifier' ? 'cluster' : 'writer-instance';
    if (!c || !c.backtrackWindow || c.metricsSource !== source) return { label, value: undefined };
    switch (name) {
      case 'BacktrackWindowActual':
        return { label, value: c.backtrackWindow / 60 };
      case 'BacktrackWindowAlert':
        return { label, value: 0 };
      case 'BacktrackChangeRecordsCreationRate':
        return { label, value: c.changeRecordsPer5Min };
      case 'BacktrackChangeRecordsStored':
        return { label, value: c.backtrackConsumedChangeRecords ?? 0 };
      default:
        return { label, value: undefined };
    }
  }

  getMetricData(body: Record<string, unknown>, region: string) {
    const queries = body['MetricDataQueries'];
    if (!Array.isArray(queries) || queries.length < 1 || queries.length > MAX_QUERIES) {
      throw new AwsError(
        'InvalidParameterValue',
        `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES} (got ${Array.isArray(queries) ? queries.length : 'none'}).`,
      );
    }
    const start = Number(body['StartTime']);
    const end = Number(body['EndTime']);
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new AwsError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
    }
    const ids = new Set<string>();
    for (const q of queries) {
      if (!isRecord(q) || typeof q['Id'] !== 'string' || !ID_PATTERN.test(q['Id']) || q['Id'].length > 255) {
        throw new AwsError(
          'InvalidParameterValue',
          `The value ${isRecord(q) ? String(q['Id']) : '?'} for parameter MetricDataQueries.member.Id is invalid: it must match ${ID_PATTERN.source}.`,
        );
      }
      if (ids.has(q['Id']))
        throw new AwsError('InvalidParameterValue', `The values for parameter id in MetricDataQueries are not unique: ${q['Id']}.`);
      ids.add(q['Id']);
      const stat = q['MetricStat'];
      if ((stat === undefined) === (q['Expression'] === undefined)) {
        throw new AwsError('InvalidParameterCombination', `Query ${q['Id']} must have exactly one of MetricStat and Expression.`);
      }
      if (isRecord(stat)) {
        const period = Number(stat['Period']);
        if (
          !Number.isInteger(period) ||
          period < 1 ||
          (period >= 60 && period % 60 !== 0) ||
          (period < 60 && ![1, 5, 10, 20, 30].includes(period))
        ) {
          throw new AwsError(
            'InvalidParameterValue',
            `The parameter MetricDataQueries.member.MetricStat.Period (${String(stat['Period'])}) must be 1, 5, 10, 20, 30 or a multiple of 60.`,
          );
        }
        if (typeof stat['Stat'] !== 'string' || !STATS.test(stat['Stat']))
          throw new AwsError('InvalidParameterValue', `Stat ${String(stat['Stat'])} is not valid.`);
        if (!isRecord(stat['Metric']) || typeof stat['Metric']['MetricName'] !== 'string')
          throw new AwsError('MissingParameter', 'MetricStat.Metric.MetricName is required.');
      }
    }

    const maxPoints = body['MaxDatapoints'] === undefined ? MAX_DATAPOINTS : Number(body['MaxDatapoints']);
    const first = typeof body['NextToken'] === 'string' && body['NextToken'] !== '' ? Number(body['NextToken']) : 0;
    if (!Number.isInteger(first) || first < 0 || first >= queries.length)
      throw new AwsError('InvalidNextToken', 'The NextToken is not valid.');
    const descending = body['ScanBy'] !== 'TimestampAscending';
    const results: unknown[] = [];
    let budget = maxPoints;
    let k = first;
    for (; k < queries.length; k++) {
      const q = queries[k] as Record<string, unknown>;
      const stat = q['MetricStat'];
      const { label, value } = isRecord(stat) ? this.series(region, q) : { label: String(q['Label'] ?? q['Id']), value: undefined };
      const period = isRecord(stat) ? Number(stat['Period']) : 60;
      // Datapoints start at StartTime rounded down to the minute, one per period up to EndTime.
      const from = Math.floor(start / 60) * 60;
      const count = value === undefined ? 0 : Math.max(0, Math.ceil((end - from) / period));
      if (count > budget && k > first) break;
      const n = Math.min(count, budget);
      budget -= n;
      const times = Array.from({ length: n }, (_, i) => (descending ? from + (count - 1 - i) * period : from + i * period));
      if (q['ReturnData'] !== false) {
        results.push({
          Id: q['Id'],
          Label: label,
          Timestamps: times,
          Values: times.map(() => value),
          StatusCode: n < count ? 'PartialData' : 'Complete',
        });
      }
    }
    return { MetricDataResults: results, Messages: [], ...(k < queries.length && { NextToken: String(k) }) };
  }
}
