/**
 * The SDK floor, parent side: bundles bench/sdk-floor-child.ts the way lib/bundle.ts bundles the
 * handler (so the same minified SDK runs), hands it a plan, and runs it in a fresh process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { forkForReport } from './invoke';
import type { SdkFloorReport } from './reports';
import type { SdkFloorPlan } from './sdk-floor-plan';
import { LAMBDA_BUILD_OPTIONS } from '../lib/bundle';

/** Bundles the SDK floor child into `<outDir>/sdk-floor-child.cjs` with the handler's esbuild options. */
export function buildSdkFloorChild(outDir: string): string {
  return buildFloorEntry(outDir, 'sdk-floor-child');
}

/** Bundles the organization's SDK floor child (sdk-floor-org-child.ts) into `<outDir>/sdk-floor-org-child.cjs`, likewise. */
export function buildOrgSdkFloorChild(outDir: string): string {
  return buildFloorEntry(outDir, 'sdk-floor-org-child');
}

function buildFloorEntry(outDir: string, name: string): string {
  const outfile = path.join(outDir, `${name}.cjs`);
  buildSync({
    entryPoints: [path.join(__dirname, `${name}.ts`)],
    outfile,
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
  });
  return outfile;
}

export interface SdkFloorRunOptions {
  childPath: string;
  plan: SdkFloorPlan;
  /** Where the plan is written for the child. */
  planPath: string;
  env: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
}

/**
 * Writes the plan, runs the SDK floor once in a fresh process, and resolves with its report. It
 * runs without BENCH_NODE_ARGS: it holds every finding of the fleet from the start, so a heap
 * budget meant for the handler would not fit it.
 */
export function runSdkFloor(o: SdkFloorRunOptions): Promise<SdkFloorReport> {
  fs.writeFileSync(o.planPath, JSON.stringify(o.plan));
  return forkForReport<SdkFloorReport>({
    modulePath: o.childPath,
    args: [o.planPath],
    env: o.env,
    logFile: o.logFile,
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    what: 'the SDK floor process',
  });
}
