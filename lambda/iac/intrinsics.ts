/**
 * Resolves CloudFormation intrinsic functions as far as a template alone allows: parameters (with
 * their values or defaults), pseudo parameters, conditions, mappings and the string functions.
 * What only deployment can tell (a resource's id or attribute, an import, an AZ list, a parameter
 * without a value) becomes an `Unknown` saying what it is. No I/O.
 */
import { isUnknown, Unknown } from '../core/declared';
import type { Resolved } from './cloudformation-cluster';

/** `Ref: AWS::NoValue`: the property is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export interface TemplateScope {
  /** Parameter values (given or defaulted); an `Unknown` for a parameter without one. */
  parameters: Record<string, Resolved>;
  /** The template's `Conditions`, by name. */
  conditions: Record<string, unknown>;
  mappings: Record<string, unknown>;
  /** Logical ids of the template's resources. */
  resources: ReadonlySet<string>;
  region: string | Unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The single `Fn::*` / `Ref` / `Condition` key of an intrinsic function object. */
function intrinsic(v: Record<string, unknown>): [string, unknown] | undefined {
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const [key] = keys as [string];
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? [key, v[key]] : undefined;
}

/** A `Ref`'s value (NO_VALUE for `AWS::NoValue`). */
function ref(name: unknown, scope: TemplateScope): unknown {
  if (typeof name !== 'string') return new Unknown(`Ref to ${JSON.stringify(name)}`);
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name === 'AWS::Region') return scope.region;
  if (name === 'AWS::Partition') return isUnknown(scope.region) ? new Unknown('AWS::Partition') : partitionOf(scope.region);
  if (name.startsWith('AWS::')) return new Unknown(`pseudo parameter ${name}, known at deployment`);
  if (name in scope.parameters) return scope.parameters[name];
  if (scope.resources.has(name)) return new Unknown(`Ref to resource ${name}, known at deployment`, name);
  return new Unknown(`Ref to ${name}, which the template does not define`);
}

const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** A condition's value: true, false or unknown. */
export function condition(name: string, scope: TemplateScope, seen: string[] = []): boolean | Unknown {
  if (seen.includes(name)) return new Unknown(`condition ${name} refers to itself`);
  if (!(name in scope.conditions)) return new Unknown(`condition ${name}, which the template does not define`);
  const v = resolve(scope.conditions[name], scope, [...seen, name]);
  if (isUnknown(v)) return new Unknown(`condition ${name}, which is not known: ${v.why}`);
  return v === true || v === 'true';
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** An intrinsic function's value (NO_VALUE for `AWS::NoValue`). */
function fn(name: string, arg: unknown, scope: TemplateScope, seen: string[]): unknown {
  const r = (v: unknown) => resolve(v, scope, seen);
  const args: unknown[] = Array.isArray(arg) ? (arg as unknown[]) : [arg];
  const firstUnknown = (vs: unknown[]) => vs.find(isUnknown);
  switch (name) {
    case 'Ref':
      return ref(arg, scope);
    case 'Condition':
      return typeof arg === 'string' ? condition(arg, scope, seen) : new Unknown('Condition without a name');
    case 'Fn::If': {
      const [cond, yes, no] = args;
      const c = typeof cond === 'string' ? condition(cond, scope, seen) : new Unknown('Fn::If without a condition name');
      if (!isUnknown(c)) return c ? r(yes) : r(no);
      const [a, b] = [r(yes), r(no)];
      return same(a, b) && !isUnknown(a) ? a : new Unknown(`Fn::If on ${c.why}`);
    }
    case 'Fn::Equals': {
      const [a, b] = args.map(r);
      return firstUnknown([a, b]) ?? same(a, b);
    }
    case 'Fn::Not': {
      const v = r(args[0]);
      return isUnknown(v) ? v : !(v === true || v === 'true');
    }
    case 'Fn::And':
    case 'Fn::Or': {
      const vs = args.map(r);
      const bools = vs.filter((v) => !isUnknown(v)).map((v) => v === true || v === 'true');
      if (name === 'Fn::And' && bools.includes(false)) return false;
      if (name === 'Fn::Or' && bools.includes(true)) return true;
      return firstUnknown(vs) ?? name === 'Fn::And';
    }
    case 'Fn::Join': {
      const [delimiter, list] = args;
      const items = r(list);
      if (isUnknown(items)) return items;
      if (!Array.isArray(items) || typeof delimiter !== 'string') return new Unknown('Fn::Join with bad arguments');
      return firstUnknown(items) ?? items.join(delimiter);
    }
    case 'Fn::Select': {
      const [index, list] = [r(args[0]), r(args[1])];
      const u = firstUnknown([index, list]);
      if (u) return u;
      return Array.isArray(list) && list[Number(index)] !== undefined
        ? (list[Number(index)] as Resolved)
        : new Unknown('Fn::Select out of range');
    }
    case 'Fn::Split': {
      const [delimiter, source] = [args[0], r(args[1])];
      if (isUnknown(source)) return source;
      return typeof delimiter === 'string' && typeof source === 'string'
        ? source.split(delimiter)
        : new Unknown('Fn::Split with bad arguments');
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = args.map(r);
      const u = firstUnknown([map, top, second]);
      if (u) return u;
      const found = (scope.mappings[String(map)] as Record<string, Record<string, unknown>> | undefined)?.[String(top)]?.[String(second)];
      return found === undefined ? new Unknown(`Fn::FindInMap ${String(map)}.${String(top)}.${String(second)}: no such entry`) : r(found);
    }
    case 'Fn::Sub':
      return sub(args, scope, seen);
    case 'Fn::GetAtt': {
      const target = Array.isArray(arg) ? arg.join('.') : String(arg);
      return new Unknown(`Fn::GetAtt ${target}, known at deployment`, target.split('.')[0]);
    }
    default:
      // Fn::ImportValue, Fn::GetAZs, Fn::Cidr, Fn::Base64, Fn::ToJsonString, ...: nothing the rules read.
      return new Unknown(`${name}, known at deployment`);
  }
}

/** `Fn::Sub`: a string with `${Name}` placeholders, and optional variables. */
function sub(args: unknown[], scope: TemplateScope, seen: string[]): Resolved {
  const [text, vars] = args;
  if (typeof text !== 'string') return new Unknown('Fn::Sub with a template that is not a string');
  const own: Record<string, Resolved> = {};
  for (const [k, v] of Object.entries(isObject(vars) ? vars : {})) own[k] = resolve(v, scope, seen);
  let unknown: Unknown | undefined;
  const out = text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
    const v = name in own ? own[name] : name.includes('.') ? new Unknown(`Fn::GetAtt ${name}, known at deployment`) : ref(name, scope);
    if (isUnknown(v) || v === NO_VALUE || typeof v === 'object') {
      unknown ??= isUnknown(v) ? v : new Unknown(`Fn::Sub variable ${name}`);
      return '';
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
  return unknown ? new Unknown(`Fn::Sub: ${unknown.why}`, unknown.resource) : out.replace(/\$\{!/g, '${');
}

/** A value with every intrinsic resolved, or `Unknown` where it cannot be. */
export function resolve(v: unknown, scope: TemplateScope, seen: string[] = []): Resolved {
  if (Array.isArray(v)) return v.map((x) => resolve(x, scope, seen)).filter((x) => x !== NO_VALUE);
  if (!isObject(v) || isUnknown(v)) return v;
  const f = intrinsic(v);
  if (f) {
    const out = fn(f[0], f[1], scope, seen);
    return out === NO_VALUE ? undefined : out;
  }
  const obj: Record<string, Resolved> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = resolve(x, scope, seen);
    if (y !== undefined) obj[k] = y;
  }
  return obj;
}
