/**
 * What the AWS-behaviour proxy does per operation, beyond forwarding to moto: DescribeDBClusters
 * pages and overrides, RemoveFromGlobalCluster, SNS Publish checks (cross-account ones against the
 * topic and key policies), PutEvents to another account's bus, and Security Hub's import
 * limits, ASFF validation, BatchUpdateFindings, GetFindings filters and the enabled-per-Region
 * rule. aws-proxy.ts owns the HTTP server, faults and the call log, and gives these handlers the
 * way to reach moto and the proxy's state.
 */
import type { AwsErrorSpec, ProxyResponse } from './aws-errors';
import { RDS_LIMITS, SECURITY_HUB_LIMITS } from './aws-limits';
import { header, queryParams, type RawRequest } from './aws-request';
import { applyClusterOverrides, clusterField, clusterKey, decodeMarker, maxRecordsError, pageClusters } from './rds-clusters-xml';
import { rdsRestoreHandlers } from './rds-restore';
import { publishRefusal, putEventsRoute } from './cross-account';
import { recordSenders, stampSenders, type EventSenders } from './event-senders';
import { publishError, readPublish } from './sns-emulation';
import {
  WORKFLOW_STATUSES,
  decodeNextToken,
  encodeNextToken,
  filtersError,
  findingProblemMessage,
  findingProblems,
  importBatchError,
  matchesFilters,
  type Finding,
  type StringFilter,
  type WorkflowStatus,
} from './security-hub-emulation';

export type {
  AssumedRole,
  ClusterRewriteContext,
  ClusterRewriter,
  Handler,
  HandlerContext,
  PassedOn,
  UpstreamResponse,
} from './handler-types';
import type { Handler, HandlerContext } from './handler-types';

/** The key of a cluster's overrides (defined beside them, in rds-clusters-xml.ts). */
export { clusterKey } from './rds-clusters-xml';

function json(status: number, body: unknown, requestIdValue: string): ProxyResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestIdValue }, body: JSON.stringify(body) };
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const value: unknown = JSON.parse(body.toString('utf8'));
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The sts:ExternalId values a role's trust policy (in an IAM GetRole answer) requires; none when it requires none. */
export function requiredExternalIds(getRoleXml: string): string[] {
  const encoded = /<AssumeRolePolicyDocument>([^<]*)<\/AssumeRolePolicyDocument>/.exec(getRoleXml)?.[1];
  if (!encoded) return [];
  const xml = encoded
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  let text = xml;
  try {
    text = decodeURIComponent(xml);
  } catch {
    // not URL-encoded
  }
  const doc = JSON.parse(text) as { Statement?: { Condition?: Record<string, Record<string, string | string[]>> }[] };
  return (doc.Statement ?? []).flatMap((st) => Object.values(st.Condition ?? {}).flatMap((c) => [c['sts:ExternalId'] ?? []].flat()));
}

/** The handlers by `service:Operation`; an operation without one is forwarded as it is. */
export function serviceHandlers(ctx: HandlerContext): Record<string, Handler> {
  const {
    accountId,
    callerAccount,
    callerIdentity,
    policySources,
    assumedKeys,
    forward,
    internal,
    asResponse,
    clusterOverrides,
    securityHubForced,
    ledger,
    workflowUpdates,
    published,
  } = ctx;
  const senders: EventSenders = new Map();

  async function isSecurityHubEnabledFor(raw: RawRequest, region: string): Promise<boolean> {
    const forced = securityHubForced.get(region);
    if (forced !== undefined) return forced;
    const res = await internal(raw, 'GET', '/accounts');
    return res.status === 200;
  }

  /** Every finding moto holds in the caller's Region (moto pages at 100). */
  async function allFindings(raw: RawRequest): Promise<Finding[]> {
    const out: Finding[] = [];
    let token: string | undefined;
    do {
      const res = await internal(raw, 'POST', '/findings', { MaxResults: 100, ...(token ? { NextToken: token } : {}) });
      if (res.status !== 200) throw new Error(`emulator GetFindings failed: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
      const page = parseJson(res.body);
      out.push(...((page.Findings as Finding[] | undefined) ?? []));
      token = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
    } while (token);
    return out;
  }

  const notSubscribed = (): AwsErrorSpec => ({
    code: 'InvalidAccessException',
    status: 401,
    message: `Account ${accountId} is not subscribed to AWS Security Hub`,
  });
  const invalidInput = (message: string): AwsErrorSpec => ({ code: 'InvalidInputException', status: 400, message });

  return {
    ...rdsRestoreHandlers(ctx),
    'rds:DescribeDBClusters': async (raw, info) => {
      const params = queryParams(raw);
      const invalid = maxRecordsError(params.get('MaxRecords'));
      if (invalid) return { code: 'InvalidParameterValue', status: 400, message: invalid };
      const maxRecords = Number(params.get('MaxRecords') ?? RDS_LIMITS.describeDbClustersMaxRecords.max);
      const marker = params.get('Marker');
      const offset = marker === null ? 0 : decodeMarker(marker);
      if (offset === undefined) return { code: 'InvalidParameterValue', status: 400, message: `Invalid Marker: ${marker}` };
      let body = raw.body;
      if (raw.method === 'POST') {
        params.delete('MaxRecords');
        params.delete('Marker');
        body = Buffer.from(params.toString(), 'utf8');
      }
      const up = await forward(raw, body);
      if (up.status !== 200) return asResponse(up);
      const paged = pageClusters(up.body.toString('utf8'), { maxRecords, offset }, (cluster) => {
        const identifier = clusterField(cluster, 'DBClusterIdentifier');
        let out = cluster;
        const overrides = identifier === undefined ? undefined : clusterOverrides.get(clusterKey(info.region, identifier));
        if (overrides) out = applyClusterOverrides(out, overrides);
        const extra = ctx.clusterRewriter()?.({ region: info.region, identifier, get: (field) => clusterField(out, field) });
        if (extra) out = applyClusterOverrides(out, extra);
        return out;
      });
      return asResponse(up, paged);
    },

    // moto leaves GlobalClusterIdentifier on a cluster removed from its global database; AWS clears
    // it (the cluster becomes standalone). The proxy records the removal as an override.
    'rds:RemoveFromGlobalCluster': async (raw) => {
      const up = await forward(raw);
      const member = queryParams(raw).get('DbClusterIdentifier') ?? '';
      const arn = /^arn:[^:]+:rds:([^:]+):\d{12}:cluster:(.+)$/.exec(member);
      if (up.status === 200 && arn) {
        const k = clusterKey(arn[1] as string, arn[2] as string);
        clusterOverrides.set(k, { ...clusterOverrides.get(k), GlobalClusterIdentifier: null });
      }
      return asResponse(up);
    },

    'sts:AssumeRole': async (raw) => {
      const roleArn = queryParams(raw).get('RoleArn') ?? '';
      const arn = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
      if (arn) {
        const body = Buffer.from(`Action=GetRole&Version=2010-05-08&RoleName=${encodeURIComponent(arn[2] as string)}`);
        const auth = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0';
        const headers = { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', 'x-moto-account-id': arn[1] as string };
        const role = await forward({ method: 'POST', url: '/', headers: { ...headers, host: header(raw.headers, 'host') }, body }, body);
        const externalId = queryParams(raw).get('ExternalId') ?? undefined;
        const required = requiredExternalIds(role.body.toString('utf8'));
        if (role.status !== 200 || (required.length > 0 && (externalId === undefined || !required.includes(externalId)))) {
          const message = `User: arn:aws:iam::${callerAccount(raw)}:user/test is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
          return { code: 'AccessDenied', status: 403, message };
        }
      }
      const up = await forward(raw);
      const text = up.body.toString('utf8');
      const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(text)?.[1];
      const session = /<Arn>(arn:[^:]+:sts::(\d{12}):assumed-role\/[^<]+)<\/Arn>/.exec(text);
      if (up.status === 200 && key && session) {
        assumedKeys.set(key, { account: session[2] as string, roleArn, sessionArn: session[1] as string });
      }
      return asResponse(up);
    },

    'sns:Publish': async (raw, info) => {
      const message = readPublish(info.region, queryParams(raw));
      published.push(message);
      const refused = message.topicArn ? await publishRefusal(callerIdentity(raw), message.topicArn, policySources) : undefined;
      if (refused) return refused;
      const invalid = publishError(message);
      if (invalid) return { code: 'InvalidParameter', status: 400, message: invalid };
      const up = await forward(raw);
      message.accepted = up.status === 200;
      return asResponse(up);
    },

    // moto looks a bus named by ARN up in the caller's account; AWS delivers to the ARN's account
    // when the bus's policy allows the caller.
    'events:PutEvents': async (raw) => {
      const entries = parseJson(raw.body).Entries;
      const buses = (Array.isArray(entries) ? (entries as unknown[]) : []).map((e) => {
        const name = (e as { EventBusName?: unknown } | null)?.EventBusName;
        return typeof name === 'string' && name ? name : 'default';
      });
      const caller = callerIdentity(raw);
      const route = await putEventsRoute(caller, buses, policySources);
      if ('refusal' in route) return route.refusal;
      if (route.account === caller.account) return asResponse(await forward(raw));
      const up = await forward({ ...raw, headers: { ...raw.headers, 'x-moto-account-id': route.account } });
      if (up.status === 200) recordSenders(senders, up.body.toString('utf8'), caller.account);
      return asResponse(up);
    },

    // moto stamps an event with the bus's account; EventBridge stamps the sender's (event-senders.ts).
    'sqs:ReceiveMessage': async (raw) => {
      const up = await forward(raw);
      const stamped = up.status === 200 ? stampSenders(senders, up.body.toString('utf8')) : undefined;
      return stamped === undefined ? asResponse(up) : asResponse(up, stamped);
    },

    'securityhub:BatchImportFindings': async (raw, info, rid) => {
      const body = parseJson(raw.body);
      const invalid = importBatchError(body.Findings);
      if (invalid) return invalidInput(invalid);
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
      const accepted: Finding[] = [];
      let ignored = 0;
      for (const finding of body.Findings as unknown[]) {
        const problems = findingProblems(finding, { region: info.region, accountId: callerAccount(raw) });
        const id = typeof (finding as Finding | null)?.Id === 'string' ? String((finding as Finding).Id) : '';
        if (problems.length) failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: findingProblemMessage(problems) });
        else if (ledger.recordImport(info.region, finding as Finding)) accepted.push(finding as Finding);
        else ignored++; // not newer than the stored finding: Security Hub ignores it silently
      }
      let success = ignored;
      if (accepted.length) {
        const up = await internal(raw, 'POST', '/findings/import', { Findings: accepted });
        if (up.status !== 200) return asResponse(up);
        const result = parseJson(up.body);
        success += Number(result.SuccessCount ?? 0);
        failed.push(...((result.FailedFindings as typeof failed | undefined) ?? []));
      }
      return json(200, { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed }, rid);
    },

    'securityhub:BatchUpdateFindings': async (raw, info, rid) => {
      const body = parseJson(raw.body);
      const ids = body.FindingIdentifiers;
      const maxIds = SECURITY_HUB_LIMITS.findingIdsPerUpdate;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > maxIds) {
        return invalidInput(`FindingIdentifiers must contain between 1 and ${maxIds} items`);
      }
      const identifiers = ids as { Id?: unknown; ProductArn?: unknown }[];
      if (!identifiers.every((i) => typeof i?.Id === 'string' && typeof i.ProductArn === 'string')) {
        return invalidInput('each FindingIdentifier needs Id and ProductArn');
      }
      const status = (body.Workflow as { Status?: unknown } | undefined)?.Status;
      if (status !== undefined && !(WORKFLOW_STATUSES as readonly unknown[]).includes(status)) {
        return invalidInput(`Workflow.Status must be one of ${WORKFLOW_STATUSES.join(', ')}`);
      }
      const noteIn = body.Note as { Text?: unknown; UpdatedBy?: unknown } | undefined;
      if (
        noteIn !== undefined &&
        (typeof noteIn.Text !== 'string' ||
          typeof noteIn.UpdatedBy !== 'string' ||
          noteIn.Text.length > SECURITY_HUB_LIMITS.noteChars ||
          noteIn.UpdatedBy.length > SECURITY_HUB_LIMITS.noteChars)
      ) {
        return invalidInput(`Note needs Text and UpdatedBy of at most ${SECURITY_HUB_LIMITS.noteChars} characters`);
      }
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      const existing = new Set((await allFindings(raw)).map((f) => `${String(f.Id)}\u0000${String(f.ProductArn)}`));
      const note = noteIn
        ? { Text: String(noteIn.Text), UpdatedBy: String(noteIn.UpdatedBy), UpdatedAt: new Date().toISOString() }
        : undefined;
      const processed: { Id: string; ProductArn: string }[] = [];
      const unprocessed: { FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const i of identifiers) {
        const ident = { Id: String(i.Id), ProductArn: String(i.ProductArn) };
        if (!existing.has(`${ident.Id}\u0000${ident.ProductArn}`)) {
          unprocessed.push({ FindingIdentifier: ident, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' });
          continue;
        }
        ledger.applyUpdate(info.region, ident.Id, ident.ProductArn, status as WorkflowStatus | undefined, note);
        processed.push(ident);
      }
      workflowUpdates.push({
        region: info.region,
        findings: processed.map((p) => ({ id: p.Id, productArn: p.ProductArn })),
        workflowStatus: status as WorkflowStatus | undefined,
        note: note ? { text: note.Text, updatedBy: note.UpdatedBy } : undefined,
        request: body,
      });
      return json(200, { ProcessedFindings: processed, UnprocessedFindings: unprocessed }, rid);
    },

    'securityhub:GetFindings': async (raw, info, rid) => {
      const body = parseJson(raw.body);
      const invalid = filtersError(body.Filters);
      if (invalid) return invalidInput(invalid);
      const pageMax = SECURITY_HUB_LIMITS.findingsPerPage;
      const maxResults = body.MaxResults === undefined ? pageMax : Number(body.MaxResults);
      if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > pageMax)
        return invalidInput(`MaxResults must be a number between 1 and ${pageMax}`);
      const offset = typeof body.NextToken === 'string' && body.NextToken ? decodeNextToken(body.NextToken) : 0;
      if (offset === undefined) return invalidInput('Invalid NextToken');
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      const filters = body.Filters as Record<string, StringFilter[]> | undefined;
      const matching = (await allFindings(raw)).map((f) => ledger.overlay(info.region, f)).filter((f) => matchesFilters(f, filters));
      const page = matching.slice(offset, offset + maxResults);
      const next = offset + maxResults < matching.length ? encodeNextToken(offset + maxResults) : undefined;
      return json(200, { Findings: page, ...(next ? { NextToken: next } : {}) }, rid);
    },

    'securityhub:UpdateFindings': async (raw, info) => {
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      return asResponse(await forward(raw));
    },
  };
}
