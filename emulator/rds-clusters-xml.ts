/**
 * DescribeDBClusters as AWS answers it, built from moto's single-page answer: MaxRecords (20–100)
 * and Marker pagination, plus per-cluster field overrides for what moto cannot produce
 * (EarliestBacktrackTime, an old ClusterCreateTime, the legacy `aurora` engine...).
 *
 * Works on the XML text directly: moto's XML is plain elements (no CDATA, comments or attributes
 * inside a DBCluster), and each DBCluster is kept byte for byte except the fields overridden.
 */
import { xmlEscape } from './aws-errors';
import { RDS_LIMITS } from './aws-limits';

/** A value to put in a DBCluster field; `null` removes the field; Dates become ISO 8601. */
export type ClusterFieldValue = string | number | boolean | Date | null;

/** The key of one cluster's overrides: its Region and identifier. */
export const clusterKey = (region: string, id: string) => `${region}\u0000${id}`;

/** Top-level DBCluster fields to replace, add (when absent) or remove (`null`). */
export interface ClusterOverrides {
  EarliestBacktrackTime?: string | Date | null;
  ClusterCreateTime?: string | Date | null;
  BacktrackWindow?: number | null;
  Engine?: string;
  EngineVersion?: string;
  EngineMode?: string | null;
  [field: string]: ClusterFieldValue | undefined;
}

export interface ClustersDocument {
  /** Everything up to and including `<DBClusters>` (normalized when moto wrote `<DBClusters/>`). */
  head: string;
  clusters: string[];
  /** `</DBClusters>` and the rest of the document. */
  tail: string;
}

const OPEN = '<DBCluster>';
const CLOSE = '</DBCluster>';

/** Splits a DescribeDBClustersResponse into its DBCluster elements. */
export function splitClusters(xml: string): ClustersDocument {
  const empty = /<DBClusters\s*\/>/.exec(xml);
  if (empty) {
    return {
      head: `${xml.slice(0, empty.index)}<DBClusters>`,
      clusters: [],
      tail: `</DBClusters>${xml.slice(empty.index + empty[0].length)}`,
    };
  }
  const start = xml.indexOf('<DBClusters>');
  const end = xml.lastIndexOf('</DBClusters>');
  if (start < 0 || end < start) throw new Error('not a DescribeDBClusters response: no <DBClusters> element');
  const inner = xml.slice(start + '<DBClusters>'.length, end);
  const clusters: string[] = [];
  let at = 0;
  for (;;) {
    const open = inner.indexOf(OPEN, at);
    if (open < 0) break;
    const close = inner.indexOf(CLOSE, open);
    if (close < 0) throw new Error('unterminated <DBCluster> element');
    clusters.push(inner.slice(open, close + CLOSE.length));
    at = close + CLOSE.length;
  }
  return { head: xml.slice(0, start + '<DBClusters>'.length), clusters, tail: xml.slice(end) };
}

/** Re-assembles the document with `clusters`, and a `<Marker>` when more pages follow. */
export function joinClusters(doc: ClustersDocument, clusters: readonly string[], marker?: string): string {
  let tail = doc.tail;
  if (marker !== undefined) {
    const resultEnd = tail.indexOf('</DescribeDBClustersResult>');
    const markerXml = `<Marker>${xmlEscape(marker)}</Marker>`;
    tail = resultEnd < 0 ? tail : `${tail.slice(0, resultEnd)}${markerXml}${tail.slice(resultEnd)}`;
  }
  return `${doc.head}${clusters.join('')}${tail}`;
}

interface FieldSpan {
  name: string;
  start: number;
  end: number;
}

/** The direct children of one `<DBCluster>…</DBCluster>` element, with their spans. */
export function topLevelFields(cluster: string): FieldSpan[] {
  const innerStart = OPEN.length;
  const innerEnd = cluster.length - CLOSE.length;
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g;
  tag.lastIndex = innerStart;
  const fields: FieldSpan[] = [];
  let depth = 0;
  let current: { name: string; start: number } | undefined;
  for (let m = tag.exec(cluster); m && m.index < innerEnd; m = tag.exec(cluster)) {
    const [text, closing, name, selfClosing] = m;
    if (!name) continue;
    if (closing) {
      depth--;
      if (depth === 0 && current) {
        fields.push({ name: current.name, start: current.start, end: m.index + text.length });
        current = undefined;
      }
    } else if (selfClosing) {
      if (depth === 0) fields.push({ name, start: m.index, end: m.index + text.length });
    } else {
      if (depth === 0) current = { name, start: m.index };
      depth++;
    }
  }
  return fields;
}

/** The text of a top-level scalar field, unescaped minimally (moto escapes only &, <, >). */
export function clusterField(cluster: string, name: string): string | undefined {
  const span = topLevelFields(cluster).find((f) => f.name === name);
  if (!span) return undefined;
  const raw = cluster.slice(span.start, span.end);
  const m = /^<[^>]+>([\s\S]*)<\/[^>]+>$/.exec(raw);
  if (!m) return '';
  return (m[1] ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function renderValue(value: Exclude<ClusterFieldValue, null>): string {
  if (value instanceof Date) return value.toISOString();
  return xmlEscape(String(value));
}

/** Replaces, adds or removes top-level fields of one DBCluster element. */
export function applyClusterOverrides(cluster: string, overrides: Readonly<ClusterOverrides>): string {
  let out = cluster;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!/^[A-Za-z_][\w]*$/.test(name)) throw new Error(`not a DBCluster field name: ${name}`);
    const span = topLevelFields(out).find((f) => f.name === name);
    const element = value === null ? '' : `<${name}>${renderValue(value)}</${name}>`;
    if (span) out = out.slice(0, span.start) + element + out.slice(span.end);
    else if (element) out = out.slice(0, out.length - CLOSE.length) + element + CLOSE;
  }
  return out;
}

/** AWS's check of MaxRecords; undefined when valid. */
export function maxRecordsError(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  const n = Number(raw);
  const { min, max } = RDS_LIMITS.describeDbClustersMaxRecords;
  if (!Number.isInteger(n) || n < min || n > max) {
    return `Invalid value ${raw} for MaxRecords. Must be between ${min} and ${max}`;
  }
  return undefined;
}

/** Markers are opaque to clients; here they carry the offset of the next page. */
export function encodeMarker(offset: number): string {
  return Buffer.from(`clusters:${offset}`, 'utf8').toString('base64');
}

export function decodeMarker(marker: string): number | undefined {
  const m = /^clusters:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

export interface PageRequest {
  maxRecords: number;
  /** Offset of the first cluster of the page (from the Marker), 0 for the first page. */
  offset: number;
}

/**
 * One AWS page of moto's full answer: at most `maxRecords` clusters from `offset`, each passed
 * through `rewrite`, with a Marker when clusters remain.
 */
export function pageClusters(xml: string, page: PageRequest, rewrite: (cluster: string) => string = (c) => c): string {
  const doc = splitClusters(xml);
  const slice = doc.clusters.slice(page.offset, page.offset + page.maxRecords).map(rewrite);
  const next = page.offset + page.maxRecords;
  return joinClusters(doc, slice, next < doc.clusters.length ? encodeMarker(next) : undefined);
}
