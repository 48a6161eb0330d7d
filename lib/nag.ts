/** How cdk-nag names a resource in a finding id, so acknowledgements can name exactly one resource. */
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** A resource as cdk-nag names it in a finding id: `<LogicalId.Arn>`, `<AWS::AccountId>`, joins flattened. */
export function nagResource(scope: Construct, value: string): string {
  return flattenCfn(Stack.of(scope).resolve(value));
}

function flattenCfn(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfn).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfn(resource)}.${flattenCfn(attribute)}>`;
    }
    if (o.Ref !== undefined) return `<${flattenCfn(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
