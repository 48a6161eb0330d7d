/**
 * The checker keeps its own batch sizes (it does not import the emulator); the emulator and the
 * benchmark's fake refuse what AWS refuses. These tests keep the two sides apart and in agreement:
 * every batch the checker builds fits within AWS's limits as the emulator enforces them.
 */
import { FINDINGS_PER_CALL, NOTE_MAX_CHARS } from '../../lambda/aws/security-hub';
import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '../../lambda/aws/rds';
import { QUERIES_PER_CALL } from '../../lambda/aws/cloudwatch';
import { BATCH_WRITE_LIMIT } from '../../lambda/aws/state';
import { MAX_MESSAGE_BYTES } from '../../lambda/core/alert';
import { MAX_RECOMMENDATION } from '../../lambda/core/finding';
import {
  CLOUDWATCH_LIMITS,
  DYNAMODB_LIMITS,
  RDS_LIMITS,
  SECURITY_HUB_LIMITS,
  SECURITY_HUB_RATES,
  SNS_LIMITS,
} from '../../emulator/aws-limits';

describe("the checker's batch sizes fit within AWS's limits", () => {
  it('imports between 1 and the most findings BatchImportFindings takes per call', () => {
    expect(FINDINGS_PER_CALL).toBeGreaterThanOrEqual(1);
    expect(FINDINGS_PER_CALL).toBeLessThanOrEqual(SECURITY_HUB_LIMITS.findingsPerImport);
  });

  it('asks DescribeDBClusters for pages inside the MaxRecords range AWS accepts', () => {
    const { min, max } = RDS_LIMITS.describeDbClustersMaxRecords;
    expect(MIN_PAGE_SIZE).toBeGreaterThanOrEqual(min);
    expect(MAX_PAGE_SIZE).toBeLessThanOrEqual(max);
    expect(MIN_PAGE_SIZE).toBeLessThanOrEqual(MAX_PAGE_SIZE);
  });

  it('puts at most the queries GetMetricData takes in one call', () => {
    expect(QUERIES_PER_CALL).toBeLessThanOrEqual(CLOUDWATCH_LIMITS.queriesPerGetMetricData);
  });

  it('writes at most the requests BatchWriteItem takes in one call', () => {
    expect(BATCH_WRITE_LIMIT).toBeLessThanOrEqual(DYNAMODB_LIMITS.requestsPerBatchWrite);
  });

  it('keeps an alert below the SNS message size, leaving room for its attributes', () => {
    expect(MAX_MESSAGE_BYTES).toBeLessThan(SNS_LIMITS.messageBytes);
  });

  it('clips remediation text and notes to what ASFF accepts', () => {
    expect(MAX_RECOMMENDATION).toBeLessThanOrEqual(SECURITY_HUB_LIMITS.recommendationTextChars);
    expect(NOTE_MAX_CHARS).toBeLessThanOrEqual(SECURITY_HUB_LIMITS.noteChars);
  });
});

describe("AWS's limits as the emulator states them", () => {
  it('are the published numbers: 100 findings and 240 KB each per import, pages of 20 to 100, 500 metric queries, 25 writes', () => {
    expect(SECURITY_HUB_LIMITS.findingsPerImport).toBe(100);
    expect(SECURITY_HUB_LIMITS.findingBytes).toBe(240 * 1024);
    expect(SECURITY_HUB_LIMITS.findingIdsPerUpdate).toBe(100);
    expect(SECURITY_HUB_LIMITS.findingsPerPage).toBe(100);
    expect(RDS_LIMITS.describeDbClustersMaxRecords).toEqual({ min: 20, max: 100 });
    expect(CLOUDWATCH_LIMITS.queriesPerGetMetricData).toBe(500);
    expect(DYNAMODB_LIMITS.requestsPerBatchWrite).toBe(25);
    expect(SNS_LIMITS).toEqual({ messageBytes: 256 * 1024, subjectMaxChars: 99 });
  });

  it('rate-limit Security Hub at 10 imports or updates a second (burst 30) and 3 reads a second (burst 6)', () => {
    expect(SECURITY_HUB_RATES).toEqual({
      BatchImportFindings: { rate: 10, burst: 30 },
      BatchUpdateFindings: { rate: 10, burst: 30 },
      GetFindings: { rate: 3, burst: 6 },
    });
  });
});
