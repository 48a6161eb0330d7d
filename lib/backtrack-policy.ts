import { Annotations, Stack, Token, type IAspect } from 'aws-cdk-lib';
import { CfnDBCluster } from 'aws-cdk-lib/aws-rds';
import { CfnCondition, CfnElement, CfnParameter, CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { parseRuntimeSettings, type RawSettings, type SettingNames } from '../lambda/config';
import { judgeDeclared, Unknown } from '../lambda/core/declared';
import type { Policy } from '../lambda/core/types';
import { clusterFromCloudFormation, type Resolved } from '../lambda/iac/cloudformation-cluster';
import { resolve, type TemplateScope } from '../lambda/iac/intrinsics';
import { ENV_NAMES, type RuntimeKey } from '../lambda/settings/schema';

export interface BacktrackPolicyProps {
  /** Required minimum window in hours, 0–72 (0: any enabled window). */
  readonly minWindowHours: number;
  /** Prefix of the tags the rules read. @default 'backtrack-check:' */
  readonly tagPrefix?: string;
  /** The exemption tag's key. @default `${tagPrefix}exempt` */
  readonly exemptTagKey?: string;
  /** An exemption ends at most this many days after it is first seen, 1–3650. @default 90 */
  readonly maxExemptionDays?: number;
  /** Regions to treat as offering Backtrack although the built-in list says AWS does not. @default [] */
  readonly backtrackRegions?: string[];
  /**
   * `error` stops synth on a failing cluster; `warning` only reports it. A value that cannot be
   * known at synth is always a warning.
   * @default 'error'
   */
  readonly severity?: 'error' | 'warning';
}

/** Each prop's name in a problem: `BacktrackPolicy minWindowHours`. */
const PROP_NAMES = Object.fromEntries(Object.keys(ENV_NAMES).map((k) => [k, `BacktrackPolicy ${k}`])) as SettingNames;

/** What to write in a CDK app to set the window. */
export const cdkFix = (seconds: number): string => {
  const duration = seconds % 3600 === 0 ? `Duration.hours(${seconds / 3600})` : `Duration.seconds(${seconds})`;
  return `set backtrackWindow: ${duration} on the DatabaseCluster (backtrackWindow: ${seconds} on a CfnDBCluster)`;
};

/**
 * A CDK Aspect that judges every `CfnDBCluster` (so every `DatabaseCluster`) at synth with the
 * scan's rules, tags and exemptions: `Aspects.of(app).add(new BacktrackPolicy({ minWindowHours: 24 }))`.
 * A failing cluster is an error annotation, which stops `cdk synth` (or a warning when asked); a
 * value not known at synth (a parameter, an environment-agnostic stack's Region) is a warning.
 * Props are checked with the checker's own parsers: a bad value stops synth at once.
 */
export class BacktrackPolicy implements IAspect {
  private readonly policy: Policy;
  private readonly severity: 'error' | 'warning';

  constructor(props: BacktrackPolicyProps) {
    const raw: RawSettings = {
      minWindowHours: String(props.minWindowHours),
      ...(props.tagPrefix !== undefined && { tagPrefix: props.tagPrefix }),
      ...(props.exemptTagKey !== undefined && { exemptTagKey: props.exemptTagKey }),
      ...(props.maxExemptionDays !== undefined && { maxExemptionDays: String(props.maxExemptionDays) }),
      ...(props.backtrackRegions !== undefined && { backtrackRegions: props.backtrackRegions.join(',') }),
    } satisfies Partial<Record<RuntimeKey, string>>;
    this.policy = parseRuntimeSettings(raw, PROP_NAMES).config.policy;
    this.severity = props.severity ?? 'error';
  }

  public visit(node: IConstruct): void {
    if (!(node instanceof CfnDBCluster)) return;
    // Judged once every aspect has run: tags added with Tags.of() are aspects too, and without the
    // feature flag @aws-cdk/core:aspectPrioritiesMutating they may run after this one.
    node.node.addValidation({
      validate: () => {
        this.judge(node);
        return [];
      },
    });
  }

  private judge(node: CfnDBCluster): void {
    const stack = Stack.of(node);
    const logicalId = stack.resolve(node.logicalId) as string;
    const rendered = stack.resolve((node as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as {
      Resources: Record<string, { Properties?: unknown }>;
    };
    const scope = scopeOf(stack);
    const properties = resolve(rendered.Resources[logicalId]?.Properties, scope);
    const declared = clusterFromCloudFormation({ logicalId, region: scope.region, properties });
    const e = judgeDeclared(declared, this.policy, new Date(), cdkFix);
    if (e.scope !== 'in-scope' || e.exemption.active || (e.status !== 'FAILED' && e.status !== 'WARNING')) return;
    const message = `${e.cluster.identifier} (${e.cluster.region}): ${e.reason}. Fix: ${e.remediation}`;
    if (e.status === 'FAILED' && this.severity === 'error') Annotations.of(node).addError(`[BacktrackPolicy] ${message}`);
    else Annotations.of(node).addWarningV2(`aurora-backtrack-checker:backtrack-${e.condition}`, `[BacktrackPolicy] ${message}`);
  }
}

/** What the stack's template will hold: parameters with their defaults, conditions, resource ids and the Region. */
function scopeOf(stack: Stack): TemplateScope {
  const parameters: Record<string, Resolved> = {};
  const conditions: Record<string, unknown> = {};
  const resources = new Set<string>();
  for (const c of stack.node.findAll()) {
    if (!(c instanceof CfnElement) || Stack.of(c) !== stack) continue;
    const id = stack.resolve(c.logicalId) as string;
    if (c instanceof CfnParameter) {
      parameters[id] =
        c.default === undefined
          ? new Unknown(`CfnParameter ${id}, which has no default (its value is given at deployment)`)
          : (stack.resolve(c.default) as Resolved);
    } else if (c instanceof CfnCondition) {
      conditions[id] = stack.resolve(c.expression);
    } else if (c instanceof CfnResource) {
      resources.add(id);
    }
  }
  const region = Token.isUnresolved(stack.region)
    ? new Unknown(`the stack ${stack.stackName} has no environment (env.region), so its Region is not known at synth`)
    : stack.region;
  return { parameters, conditions, mappings: {}, resources, region };
}
