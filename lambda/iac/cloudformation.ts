/**
 * Reads a CloudFormation template (JSON, or YAML with the short-form intrinsics `!Ref`, `!If`, ...)
 * and returns its `AWS::RDS::DBCluster` resources as declared clusters, each with the line it
 * starts on. Parameters take their given values or defaults; the Region comes from the caller.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { isUnknown, Unknown, type DeclaredCluster } from '../core/declared';
import { clusterFromCloudFormation, type Resolved } from './cloudformation-cluster';
import { condition, resolve, type TemplateScope } from './intrinsics';

/** A file that cannot be read as what it was given as; the message names the file. */
export class IacInputError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'IacInputError';
  }
}

export interface ParsedTemplate {
  file: string;
  template: Record<string, unknown>;
  /** 1-based line of each resource's logical id. */
  lines: Record<string, number>;
}

/** One cluster found in infrastructure code, where it is, and how to word its fix there. */
export interface DeclaredResource {
  file: string;
  line?: number;
  /** Logical id, or a Terraform address. */
  logicalId: string;
  /** The stack (or plan) it belongs to, for the report. */
  stack?: string;
  declared: DeclaredCluster;
  /** What to write in this kind of code to set the window. */
  fix: (seconds: number) => string;
}

/** The short-form tags and the function each stands for. */
const SHORT_FORMS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  ...Object.fromEntries(
    [
      'If',
      'Sub',
      'GetAtt',
      'Join',
      'Select',
      'Equals',
      'Not',
      'And',
      'Or',
      'FindInMap',
      'Base64',
      'Split',
      'GetAZs',
      'ImportValue',
      'Cidr',
    ].map((f) => [`!${f}`, `Fn::${f}`]),
  ),
};

/** A YAML node as plain data, short forms turned into their long form. */
function toData(node: unknown, file: string): unknown {
  if (node === null || node === undefined) return null;
  const n = node as Node;
  let value: unknown;
  if (isMap(n)) {
    const obj: Record<string, unknown> = {};
    for (const pair of n.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      obj[key] = toData(pair.value, file);
    }
    value = obj;
  } else if (isSeq(n)) {
    value = n.items.map((x) => toData(x, file));
  } else if (isScalar(n)) {
    value = n.value;
  } else {
    value = null;
  }
  const tag = n.tag;
  if (tag === undefined || !tag.startsWith('!')) return value;
  const fn = SHORT_FORMS[tag];
  if (!fn) throw new IacInputError(file, `unknown YAML tag ${tag}`);
  // `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`.
  if (fn === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [fn]: [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [fn]: value };
}

/** Parses a template's text; JSON is read as YAML too (a subset), which gives the lines. */
export function parseTemplate(text: string, file: string): ParsedTemplate {
  if (/\.json$/i.test(file) || /^\s*\{/.test(text)) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new IacInputError(file, `invalid JSON: ${(err as Error).message}`);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, logLevel: 'silent', uniqueKeys: false });
  const [error] = doc.errors;
  if (error) throw new IacInputError(file, `invalid YAML: ${error.message.split('\n')[0] ?? error.code}`);
  const template = toData(doc.contents, file);
  if (typeof template !== 'object' || template === null || Array.isArray(template) || !('Resources' in template)) {
    throw new IacInputError(file, 'not a CloudFormation template (no Resources section)');
  }
  const lines: Record<string, number> = {};
  const resources = doc.get('Resources', true);
  if (isMap(resources)) {
    for (const pair of resources.items) {
      if (isScalar(pair.key) && pair.key.range) lines[String(pair.key.value)] = lineCounter.linePos(pair.key.range[0]).line;
    }
  }
  return { file, template: template, lines };
}

export interface StackContext {
  region: string | Unknown;
  /** Parameter values given for this stack (`--parameters`, or a nested stack's `Parameters`). */
  parameters?: Record<string, Resolved>;
  stack?: string;
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The values of a template's parameters: given, else the default, else unknown. */
function parameterValues(template: Record<string, unknown>, given: Record<string, Resolved>): Record<string, Resolved> {
  const out: Record<string, Resolved> = {};
  for (const [name, declaration] of Object.entries(record(template.Parameters))) {
    const d = record(declaration);
    const raw = name in given ? given[name] : d.Default;
    const type = typeof d.Type === 'string' ? d.Type : 'String';
    if (raw === undefined) {
      out[name] = new Unknown(`Ref to parameter ${name}, which has no value (no Default, and none given with --parameters)`);
    } else if (!isUnknown(raw) && (type.startsWith('List<') || type === 'CommaDelimitedList') && typeof raw === 'string') {
      out[name] = raw.split(',').map((s) => s.trim());
    } else {
      out[name] = raw;
    }
  }
  return out;
}

/** The template's scope: parameters, conditions, mappings, resources and Region. */
export function scopeOf(t: ParsedTemplate, ctx: StackContext): TemplateScope {
  const resources = record(t.template.Resources);
  return {
    parameters: parameterValues(t.template, ctx.parameters ?? {}),
    conditions: record(t.template.Conditions),
    mappings: record(t.template.Mappings),
    resources: new Set(Object.keys(resources)),
    region: ctx.region,
  };
}

export const cloudFormationFix = (seconds: number) => `set BacktrackWindow: ${seconds} (seconds) on the AWS::RDS::DBCluster`;

/** Every `AWS::RDS::DBCluster` of the template that may be created (its Condition is not false). */
export function clustersOfTemplate(t: ParsedTemplate, ctx: StackContext): DeclaredResource[] {
  const scope = scopeOf(t, ctx);
  const resources = record(t.template.Resources);
  const clusters = Object.entries(resources).filter(([, r]) => record(r).Type === 'AWS::RDS::DBCluster');
  const resolved = new Map(clusters.map(([id, r]) => [id, resolve(record(r).Properties, scope)]));
  /** A clone's source: a cluster of this template (by reference or by identifier) has a known window. */
  const sourceWindow = (source: string | Unknown): number | Unknown | undefined => {
    const id = isUnknown(source) ? source.resource : [...resolved].find(([, p]) => record(p).DBClusterIdentifier === source)?.[0];
    if (id === undefined || !resolved.has(id)) return undefined;
    const w = record(resolved.get(id)).BacktrackWindow;
    if (isUnknown(w)) return new Unknown(`the source ${id}'s BacktrackWindow: ${w.why}`);
    return w === undefined ? 0 : Number(w);
  };
  const out: DeclaredResource[] = [];
  for (const [logicalId, r] of clusters) {
    const cond = record(r).Condition;
    if (typeof cond === 'string' && condition(cond, scope) === false) continue;
    out.push({
      file: t.file,
      ...(t.lines[logicalId] !== undefined && { line: t.lines[logicalId] }),
      logicalId,
      ...(ctx.stack !== undefined && { stack: ctx.stack }),
      declared: clusterFromCloudFormation({ logicalId, region: ctx.region, properties: resolved.get(logicalId), sourceWindow }),
      fix: cloudFormationFix,
    });
  }
  return out;
}
