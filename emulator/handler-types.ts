/**
 * The types the proxy's per-operation handlers share: what a handler is, and the way to moto and
 * the proxy's state it is given (service-handlers.ts and rds-restore.ts implement them).
 */
import type * as http from 'node:http';
import type { AwsErrorSpec, ProxyResponse } from './aws-errors';
import type { AwsRequestInfo, RawRequest } from './aws-request';
import type { ClusterOverrides } from './rds-clusters-xml';
import type { CallerIdentity, PolicySources } from './cross-account';
import type { PublishedMessage } from './sns-emulation';
import type { WorkflowLedger, WorkflowUpdate } from './security-hub-emulation';

/** A field-level view of one DBCluster element in a DescribeDBClusters answer. */
export interface ClusterRewriteContext {
  region: string;
  identifier: string | undefined;
  get(field: string): string | undefined;
}

export type ClusterRewriter = (cluster: ClusterRewriteContext) => ClusterOverrides | undefined;

export interface UpstreamResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** moto's answer passed on, with its body possibly rewritten. */
export interface PassedOn {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Credentials STS AssumeRole handed out: the role they act as. */
export interface AssumedRole {
  account: string;
  /** `arn:aws:iam::<account>:role/<path><name>`: what `aws:PrincipalArn` is for its sessions. */
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<name>/<session>`. */
  sessionArn: string;
}

/** The way to moto and the proxy's state that the handlers work with. */
export interface HandlerContext {
  accountId: string;
  /** The account a request acts in (moto's account header, or an assumed role's key). */
  callerAccount: (raw: RawRequest) => string;
  /** Who a request acts as: account, IAM principal and the ARN AWS names in a refusal. */
  callerIdentity: (raw: RawRequest) => CallerIdentity;
  /** Topic and key policies and organizations, read from the emulator in their owners' accounts. */
  policySources: PolicySources;
  /** Access keys handed out by STS AssumeRole → the role they act as; the AssumeRole handler adds to it. */
  assumedKeys: Map<string, AssumedRole>;
  /** Sends the caller's request (or another body) to moto. */
  forward: (raw: RawRequest, body?: Buffer) => Promise<UpstreamResponse>;
  /** A request to moto made by the proxy itself, signed like the caller's. */
  internal: (raw: RawRequest, method: string, path: string, body?: unknown) => Promise<UpstreamResponse>;
  asResponse: (up: UpstreamResponse, body?: Buffer | string) => PassedOn;
  /** Overrides by clusterKey(region, identifier). */
  clusterOverrides: Map<string, ClusterOverrides>;
  clusterRewriter: () => ClusterRewriter | undefined;
  securityHubForced: ReadonlyMap<string, boolean>;
  ledger: WorkflowLedger;
  workflowUpdates: WorkflowUpdate[];
  published: PublishedMessage[];
}

export type Handler = (raw: RawRequest, info: AwsRequestInfo, rid: string) => Promise<ProxyResponse | PassedOn | AwsErrorSpec>;
