/**
 * A part of a synthesized CloudFormation template (a policy document, a property) with its
 * intrinsic functions replaced by the values the emulated resources have, as CloudFormation would
 * replace them on deploy. Lets a test make in the emulator what the real template makes, instead
 * of a hand-written copy that could drift from the product.
 */

export interface TemplateValues {
  /** `Ref` of a resource or parameter by logical id (an SNS topic's Ref is its ARN). */
  refs: Readonly<Record<string, string>>;
  /** `Fn::GetAtt` by `LogicalId.Attribute`. */
  attributes?: Readonly<Record<string, string>>;
  /** AWS::AccountId, AWS::Region (AWS::Partition defaults to `aws`, AWS::URLSuffix to `amazonaws.com`). */
  accountId: string;
  region: string;
  partition?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `value` with every `Ref`, `Fn::GetAtt`, `Fn::Join` and `Fn::Sub` resolved.
 * @throws naming the logical id or function it cannot resolve
 */
export function resolveTemplateValue(value: unknown, values: TemplateValues): unknown {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': values.accountId,
    'AWS::Region': values.region,
    'AWS::Partition': values.partition ?? 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (id: string): string => {
    const v = pseudo[id] ?? values.refs[id];
    if (v === undefined) throw new Error(`Ref ${id}: no value given for it (add it to refs)`);
    return v;
  };
  const getAtt = (id: string, attribute: string): string => {
    const v = values.attributes?.[`${id}.${attribute}`];
    if (v === undefined) throw new Error(`Fn::GetAtt ${id}.${attribute}: no value given for it (add it to attributes)`);
    return v;
  };
  const asString = (v: unknown, where: string): string => {
    if (typeof v !== 'string') throw new Error(`${where} resolved to ${JSON.stringify(v)}, not a string`);
    return v;
  };

  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (!isRecord(v)) return v;
    const keys = Object.keys(v);
    const fn = keys.length === 1 ? (keys[0] as string) : undefined;
    if (fn === 'Ref') return ref(asString(v.Ref, 'Ref'));
    if (fn === 'Fn::GetAtt') {
      const arg = v[fn];
      const [id, attribute] = Array.isArray(arg) ? (arg as unknown[]) : String(arg).split(/\.(.*)/s);
      return getAtt(asString(id, 'Fn::GetAtt'), asString(attribute, 'Fn::GetAtt'));
    }
    if (fn === 'Fn::Join') {
      const [separator, parts] = v[fn] as [unknown, unknown];
      const list = resolve(parts);
      if (!Array.isArray(list)) throw new Error('Fn::Join: its second argument is not a list');
      return list.map((p) => asString(p, 'Fn::Join part')).join(asString(separator, 'Fn::Join separator'));
    }
    if (fn === 'Fn::Sub') {
      const arg = v[fn];
      const [text, vars] = Array.isArray(arg) ? (arg as [unknown, unknown]) : [arg, {}];
      const local = resolve(vars) as Record<string, unknown>;
      return asString(text, 'Fn::Sub')
        .replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in local) return asString(local[name], `Fn::Sub \${${name}}`);
          const dot = name.indexOf('.');
          return dot > 0 && !name.startsWith('AWS::') ? getAtt(name.slice(0, dot), name.slice(dot + 1)) : ref(name);
        })
        .replace(/\$\{!/g, '${'); // ${!Literal} is the escaped text ${Literal}
    }
    if (fn?.startsWith('Fn::') || fn === 'Condition') throw new Error(`${fn} is not resolved by emulator/template-values.ts`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };
  return resolve(value);
}

/** A synthesized template's resources, typed as far as this module reads them. */
export interface TemplateResources {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The logical id of the one resource of `type` (optionally whose id starts with `prefix`). */
export function onlyResource(template: TemplateResources, type: string, prefix = ''): string {
  const ids = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one ${type}${prefix ? ` named ${prefix}…` : ''} in the template, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}
