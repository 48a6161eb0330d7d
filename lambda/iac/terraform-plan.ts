/**
 * Reads a Terraform plan as `terraform show -json plan.out` writes it: every `aws_rds_cluster` in
 * `resource_changes` that the plan creates, updates, replaces or keeps (a delete-only change is
 * not judged). Each one's `after` becomes the CloudFormation properties it stands for, so the same
 * mapping and rules apply; a value in `after_unknown` is known only after apply.
 */
import { isUnknown, Unknown } from '../core/declared';
import type { DeclaredResource } from './cloudformation';
import { clusterFromCloudFormation, type Resolved } from './cloudformation-cluster';

interface ResourceChange {
  address?: string;
  type?: string;
  mode?: string;
  change?: { actions?: string[]; after?: Record<string, unknown> | null; after_unknown?: Record<string, unknown> };
}

interface ConfigResource {
  address?: string;
  provider_config_key?: string;
}
interface ConfigModule {
  resources?: ConfigResource[];
  module_calls?: Record<string, { module?: ConfigModule }>;
}
interface ProviderConfig {
  expressions?: { region?: { constant_value?: unknown; references?: string[] } };
}

export interface TerraformPlan {
  format_version?: string;
  resource_changes?: ResourceChange[];
  variables?: Record<string, { value?: unknown }>;
  configuration?: { provider_config?: Record<string, ProviderConfig>; root_module?: ConfigModule };
}

/** A plan JSON has `format_version` and `resource_changes` (or `planned_values`). */
export const isTerraformPlan = (doc: unknown): doc is TerraformPlan =>
  typeof doc === 'object' && doc !== null && 'format_version' in doc && ('resource_changes' in doc || 'planned_values' in doc);

export const terraformFix = (seconds: number) => `set backtrack_window = ${seconds} (seconds) on the aws_rds_cluster`;

/** The configuration's provider key of each resource (`aws`, `aws.west`, `module.db:aws`), by address. */
function providerKeys(m: ConfigModule | undefined, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const r of m?.resources ?? []) if (r.address && r.provider_config_key) out.set(`${prefix}${r.address}`, r.provider_config_key);
  for (const [name, call] of Object.entries(m?.module_calls ?? {})) providerKeys(call.module, `${prefix}module.${name}.`, out);
  return out;
}

/** The provider's `region`: a constant, or a variable the plan holds; else unknown. */
function providerRegion(plan: TerraformPlan, key: string | undefined): string | Unknown | undefined {
  const configs = plan.configuration?.provider_config ?? {};
  const config = (key && configs[key]) || configs[key?.replace(/^.*:/, '') ?? ''] || configs.aws;
  const region = config?.expressions?.region;
  if (!region) return undefined;
  if (typeof region.constant_value === 'string') return region.constant_value;
  const variable = region.references?.find((r) => r.startsWith('var.'))?.slice(4);
  const value = variable !== undefined ? plan.variables?.[variable]?.value : undefined;
  return typeof value === 'string'
    ? value
    : new Unknown(`the provider's region (${region.references?.join(', ') ?? 'an expression'}) is not known from the plan`);
}

/** A whole-instance address without the module part, for the index of a resource in a module (`aws_rds_cluster.main[0]` → `aws_rds_cluster.main`). */
const configAddress = (address: string) => address.replace(/\[[^\]]*\]/g, '');

/** Every judged `aws_rds_cluster` of the plan; `region` (the `--region` flag) when the provider names none. */
export function clustersOfPlan(plan: TerraformPlan, file: string, fallbackRegion: string | Unknown): DeclaredResource[] {
  const keys = providerKeys(plan.configuration?.root_module);
  const changes = (plan.resource_changes ?? []).filter((r) => r.type === 'aws_rds_cluster' && (r.mode ?? 'managed') === 'managed');
  const judged = changes.filter((r) => {
    const actions = r.change?.actions ?? [];
    return !(actions.length === 1 && actions[0] === 'delete') && r.change?.after;
  });
  const props = new Map(judged.map((r) => [r.address ?? '?', propertiesOf(r)]));
  /** A clone's source: another cluster of this plan, by its cluster_identifier. */
  const sourceWindow = (source: string | Unknown): number | Unknown | undefined => {
    if (isUnknown(source)) return undefined;
    const found = [...props.values()].find((p) => p.DBClusterIdentifier === source);
    if (!found) return undefined;
    const w = found.BacktrackWindow;
    return isUnknown(w) ? new Unknown(`the source ${source}'s backtrack_window: ${w.why}`) : typeof w === 'number' ? w : 0;
  };
  return judged.map((r) => {
    const address = r.address ?? '?';
    const after = r.change?.after ?? {};
    const own = typeof after.region === 'string' ? after.region : undefined;
    const region = own ?? providerRegion(plan, keys.get(configAddress(address))) ?? fallbackRegion;
    return {
      file,
      logicalId: address,
      declared: clusterFromCloudFormation({ logicalId: address, region, properties: props.get(address), sourceWindow }),
      fix: terraformFix,
    };
  });
}

/** The plan's `after` as the CloudFormation properties of the same cluster. */
function propertiesOf(r: ResourceChange): Record<string, Resolved> {
  const after = r.change?.after ?? {};
  const unknown = r.change?.after_unknown ?? {};
  const later = (name: string) => new Unknown(`${name} is known only after apply`);
  const value = (name: string): Resolved => (unknown[name] === true ? later(name) : (after[name] ?? undefined));
  const p: Record<string, Resolved> = {};
  const map: Record<string, string> = {
    engine: 'Engine',
    engine_version: 'EngineVersion',
    engine_mode: 'EngineMode',
    backtrack_window: 'BacktrackWindow',
    cluster_identifier: 'DBClusterIdentifier',
    snapshot_identifier: 'SnapshotIdentifier',
  };
  for (const [tf, cfn] of Object.entries(map)) {
    const v = value(tf);
    if (v !== undefined && v !== null && v !== '') p[cfn] = v;
  }
  // A value known only after apply is still a value: global membership and binlog replication hold.
  for (const [tf, cfn] of [
    ['global_cluster_identifier', 'GlobalClusterIdentifier'],
    ['replication_source_identifier', 'ReplicationSourceIdentifier'],
  ] as const) {
    const v = after[tf];
    if (unknown[tf] === true) p[cfn] = new Unknown(`${tf} is known only after apply`, '(known after apply)');
    else if (typeof v === 'string' && v !== '') p[cfn] = v;
  }
  const scaling = after.serverlessv2_scaling_configuration;
  if (Array.isArray(scaling) && scaling.length > 0) p.ServerlessV2ScalingConfiguration = scaling[0];
  const tagsName = unknown.tags_all === true || after.tags_all === undefined || after.tags_all === null ? 'tags' : 'tags_all';
  if (unknown[tagsName] === true) p.Tags = later(tagsName);
  else {
    const tags = (after[tagsName] ?? {}) as Record<string, unknown>;
    const unknownTags = (unknown[tagsName] ?? {}) as Record<string, unknown>;
    p.Tags = [
      ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      ...Object.keys(unknownTags)
        .filter((k) => unknownTags[k] === true)
        .map((Key) => ({ Key, Value: later(`tag ${Key}`) })),
    ];
  }
  const restore = (after.restore_to_point_in_time as Record<string, unknown>[] | undefined)?.[0];
  if (restore) {
    p.RestoreType = restore.restore_type ?? 'full-copy';
    p.SourceDBClusterIdentifier = restore.source_cluster_identifier;
  }
  return p;
}
