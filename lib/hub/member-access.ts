/**
 * Who may put events on the hub's bus: the member checkers' two roles (by name, `aws:PrincipalArn`)
 * of accounts under the targeted OUs only (`aws:PrincipalOrgPaths`), not every account of the
 * organization. Nothing of another account may publish to the hub's topic or use its key: the
 * members' alerts and alarms reach the topic through the bus and the hub's relay (lib/hub/relay.ts).
 */
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MEMBER_ALARM_FORWARDER_ROLE_NAME, MEMBER_FUNCTION_ROLE_NAME, memberRoleArnPattern } from './member-roles';

/**
 * The `aws:PrincipalOrgPaths` patterns that admit accounts under the given OUs or roots. The key
 * holds the principal's Organizations entity path, `o-…/r-…/ou-…/…/ou-…/` (one value per path, so
 * it is multivalued and needs `ForAnyValue:`), as described under "aws:PrincipalOrgPaths" in the IAM
 * User Guide's "AWS global condition context keys" and its page "Understand the AWS Organizations
 * entity path" (trailing `/*` takes every child OU). An OU may sit anywhere under the root, so its
 * pattern is `<orgId>/*\/<ou-id>/*`; a root's is `<orgId>/<r-id>/*`.
 */
export function orgPathPatterns(organizationId: string, organizationUnitIds: readonly string[]): string[] {
  return organizationUnitIds.map((id) => (id.startsWith('r-') ? `${organizationId}/${id}/*` : `${organizationId}/*/${id}/*`));
}

/** Lets the member checkers' roles of accounts under the OUs put events on the bus: their reports, alerts and alarms. */
export function admitMemberCheckers(bus: events.EventBus, organizationId: string, organizationUnitIds: readonly string[]): void {
  const { policyDependable } = bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowMemberCheckersOfTheTargetedOUs',
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': orgPathPatterns(organizationId, organizationUnitIds) },
        // The function sends its reports and alerts; EventBridge, as the alarm forwarder role, the alarms.
        ArnLike: {
          'aws:PrincipalArn': [MEMBER_FUNCTION_ROLE_NAME, MEMBER_ALARM_FORWARDER_ROLE_NAME].map((name) =>
            memberRoleArnPattern(name, Stack.of(bus).partition),
          ),
        },
      },
    }),
  );
  withoutDeprecatedPrincipalRead(policyDependable);
}

/**
 * The policy is written in the `statement` form (EventBus.addToResourcePolicy); its deprecated
 * `principal` form stays unset. cdk-nag's EventBusOpenAccess rule still reads `principal`, and that
 * read alone prints "CfnEventBusPolicy#principal is deprecated" at every synth. The resource answers
 * that read with its (unset) value without the warning; the template is unchanged (CDK renders the
 * resource from its stored values, not through this accessor).
 */
function withoutDeprecatedPrincipalRead(policy: unknown): void {
  const resource = policy instanceof Construct ? policy.node.defaultChild : undefined;
  if (!(resource instanceof events.CfnEventBusPolicy)) return;
  Object.defineProperty(resource, 'principal', {
    get: () => (resource as unknown as { _principal?: string })._principal,
    configurable: true,
  });
}
