/**
 * AWS's published limits on the calls the checker makes, defined once for both stand-ins of AWS:
 * the AWS-behaviour proxy in front of moto (emulator/) and the benchmark's wire-level fake
 * (bench/fake-aws/). Both refuse what AWS refuses, with these numbers.
 *
 * The checker itself keeps its own batch sizes (lambda/aws/, lambda/core/) and does not import
 * this module: test/emulator/aws-limits.test.ts checks that they fit within these limits.
 *
 * Sources: the API references of RDS, Security Hub (CSPM), SNS, CloudWatch and DynamoDB, and the
 * Security Hub quotas page (rates per account and Region).
 */

/** A token bucket: `rate` calls per second sustained, `burst` at once from a full bucket. */
export interface RateLimit {
  /** Sustained calls per second. */
  rate: number;
  /** Calls allowed at once from a full bucket. */
  burst: number;
}

export const RDS_LIMITS = {
  /** DescribeDBClusters `MaxRecords`: 20 to 100; without it, pages of 100. */
  describeDbClustersMaxRecords: { min: 20, max: 100 },
} as const;

export const SECURITY_HUB_LIMITS = {
  /** BatchImportFindings: 1 to 100 findings per call. */
  findingsPerImport: 100,
  /** BatchImportFindings: each finding at most 240 KB (its JSON). */
  findingBytes: 240 * 1024,
  /** BatchUpdateFindings: 1 to 100 finding identifiers per call. */
  findingIdsPerUpdate: 100,
  /** GetFindings `MaxResults`: 1 to 100; without it, pages of 100. */
  findingsPerPage: 100,
  // ASFF field limits checked on import.
  idChars: 512,
  generatorIdChars: 512,
  productArnChars: 2048,
  titleChars: 256,
  descriptionChars: 1024,
  typesPerFinding: 50,
  resourcesPerFinding: 32,
  resourceTypeChars: 256,
  resourceIdChars: 512,
  recommendationTextChars: 512,
  /** `Note.Text` and `Note.UpdatedBy` (on import and in BatchUpdateFindings). */
  noteChars: 512,
  /** `ProductFields` (and `Details.Other`): at most 50 pairs. */
  productFieldsPairs: 50,
} as const;

/** Security Hub's request rates per account and Region. */
export const SECURITY_HUB_RATES = {
  BatchImportFindings: { rate: 10, burst: 30 },
  /** Documented like BatchImportFindings (10 TPS, burst 30). */
  BatchUpdateFindings: { rate: 10, burst: 30 },
  GetFindings: { rate: 3, burst: 6 },
} as const satisfies Record<string, RateLimit>;

export const SNS_LIMITS = {
  /** Publish: the message and its attributes, at most 256 KB. */
  messageBytes: 256 * 1024,
  /** Publish `Subject`: fewer than 100 characters. */
  subjectMaxChars: 99,
} as const;

export const CLOUDWATCH_LIMITS = {
  /** GetMetricData: at most 500 queries per call. */
  queriesPerGetMetricData: 500,
  /** GetMetricData `MaxDatapoints` default (and the most one call returns). */
  datapointsPerGetMetricData: 100_800,
} as const;

export const DYNAMODB_LIMITS = {
  /** BatchWriteItem: at most 25 put or delete requests per call. */
  requestsPerBatchWrite: 25,
  /** Query and Scan stop a page at 1 MB of items read. */
  pageBytes: 1024 * 1024,
  /** One item, names and values, at most 400 KB. */
  itemBytes: 400 * 1024,
} as const;

export const ORGANIZATIONS_LIMITS = {
  /** ListAccounts `MaxResults`: 1 to 20; the service may return fewer (and a NextToken) at any size. */
  accountsPerPage: 20,
} as const;

/**
 * Organizations' request rates, per organization (it is a global service hosted in us-east-1).
 * AWS documents that it throttles (TooManyRequestsException, "You have sent too many requests in
 * too short a period of time") but, in the pages checked, publishes no per-operation rate.
 * *Unverified*: a token bucket of 5 calls per second with a burst of 5, the rate of the comparable
 * Account Management read APIs (ListRegions, GetRegionOptStatus), so that a large organization's
 * listing is throttled as users report; change it here.
 */
export const ORGANIZATIONS_RATES = {
  ListAccounts: { rate: 5, burst: 5 },
} as const satisfies Record<string, RateLimit>;
