/**
 * Reads a CDK cloud assembly (`cdk.out`): every stack in `manifest.json`, the stacks of nested
 * assemblies (stages) and nested stacks (templates the parent references as assets). Other assets
 * are ignored. The Region is the stack's environment; `unknown-region` falls back to `--region`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUnknown, Unknown } from '../core/declared';
import { clustersOfTemplate, IacInputError, parseTemplate, scopeOf, type DeclaredResource, type StackContext } from './cloudformation';
import type { Resolved } from './cloudformation-cluster';
import { resolve } from './intrinsics';

interface Artifact {
  type?: string;
  environment?: string;
  displayName?: string;
  properties?: { templateFile?: string; directoryName?: string; displayName?: string };
}

/** A CDK cloud assembly has a manifest.json. */
export const isCloudAssembly = (dir: string): boolean => fs.existsSync(path.join(dir, 'manifest.json'));

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new IacInputError(file, `cannot be read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IacInputError(file, `invalid JSON: ${(err as Error).message}`);
  }
}

/** The Region of `aws://account/region`, or the fallback when the stack is environment-agnostic. */
function regionOf(environment: string | undefined, fallback: string | Unknown): string | Unknown {
  const region = environment?.split('/')[3];
  return region && region !== 'unknown-region' ? region : fallback;
}

/**
 * The nested stack template a `TemplateURL` points at: its `aws:asset:path` metadata (written when
 * the CDK CLI synthesizes), else the file asset whose object key the URL names (the asset manifests).
 */
function nestedTemplate(
  dir: string,
  res: { Metadata?: Record<string, unknown>; Properties?: { TemplateURL?: unknown } },
): string | undefined {
  const asset = res.Metadata?.['aws:asset:path'];
  if (typeof asset === 'string') return asset;
  const url = JSON.stringify(res.Properties?.TemplateURL ?? '');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
    const files = (readJson(path.join(dir, name)) as { files?: Record<string, AssetFile> }).files ?? {};
    for (const f of Object.values(files)) {
      const keys = Object.values(f.destinations ?? {}).map((d) => d.objectKey);
      if (f.source?.path && keys.some((k) => k !== undefined && url.includes(k))) return f.source.path;
    }
  }
  return undefined;
}

interface AssetFile {
  source?: { path?: string };
  destinations?: Record<string, { objectKey?: string }>;
}

/** A template and the nested stacks it references as assets, recursively. */
function readStack(dir: string, templateFile: string, ctx: StackContext & { stack: string }, depth = 0): DeclaredResource[] {
  const file = path.join(dir, templateFile);
  if (!fs.existsSync(file)) throw new IacInputError(file, 'the manifest names this template, but it does not exist');
  const parsed = parseTemplate(fs.readFileSync(file, 'utf8'), file);
  const out = clustersOfTemplate(parsed, ctx);
  if (depth > 10) return out;
  const scope = scopeOf(parsed, ctx);
  for (const [id, r] of Object.entries(parsed.template.Resources as Record<string, unknown>)) {
    const res = r as { Type?: string; Metadata?: Record<string, unknown>; Properties?: { Parameters?: unknown; TemplateURL?: unknown } };
    if (res.Type !== 'AWS::CloudFormation::Stack') continue;
    const asset = nestedTemplate(dir, res);
    if (asset === undefined)
      throw new IacInputError(file, `nested stack ${id}: its template is not in the assembly, so its clusters cannot be judged`);
    const given = resolve(res.Properties?.Parameters ?? {}, scope);
    const parameters = (isUnknown(given) || typeof given !== 'object' || given === null ? {} : given) as Record<string, Resolved>;
    out.push(...readStack(dir, asset, { region: ctx.region, parameters, stack: `${ctx.stack}/${id}` }, depth + 1));
  }
  return out;
}

/** Every cluster of every stack in the assembly at `dir` and its nested assemblies. */
export function clustersOfCloudAssembly(dir: string, fallbackRegion: string | Unknown, depth = 0): DeclaredResource[] {
  const manifest = readJson(path.join(dir, 'manifest.json')) as { artifacts?: Record<string, Artifact> };
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.artifacts !== 'object') {
    throw new IacInputError(path.join(dir, 'manifest.json'), 'not a CDK cloud assembly manifest (no artifacts)');
  }
  const out: DeclaredResource[] = [];
  for (const [name, a] of Object.entries(manifest.artifacts ?? {})) {
    if (a.type === 'aws:cloudformation:stack' && a.properties?.templateFile) {
      const region = regionOf(a.environment, fallbackRegion);
      out.push(...readStack(dir, a.properties.templateFile, { region, stack: a.displayName ?? name }));
    } else if (a.type === 'cdk:cloud-assembly' && a.properties?.directoryName && depth < 10) {
      out.push(...clustersOfCloudAssembly(path.join(dir, a.properties.directoryName), fallbackRegion, depth + 1));
    }
  }
  return out;
}
