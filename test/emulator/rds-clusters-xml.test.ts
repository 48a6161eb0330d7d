import {
  applyClusterOverrides,
  clusterField,
  decodeMarker,
  encodeMarker,
  joinClusters,
  maxRecordsError,
  pageClusters,
  splitClusters,
} from '../../emulator/rds-clusters-xml';

function cluster(id: string, extra = ''): string {
  return (
    `<DBCluster><DBClusterIdentifier>${id}</DBClusterIdentifier><Status>available</Status>` +
    `<VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-1</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>` +
    `<TagList/><BacktrackWindow>3600</BacktrackWindow>${extra}</DBCluster>`
  );
}

function response(clusters: string[]): string {
  const inner = clusters.length ? `<DBClusters>${clusters.join('')}</DBClusters>` : '<DBClusters/>';
  return (
    `<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult>${inner}` +
    `</DescribeDBClustersResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeDBClustersResponse>`
  );
}

describe('splitting and joining a DescribeDBClusters response', () => {
  it('gives back the same document when nothing changes', () => {
    const xml = response([cluster('a'), cluster('b')]);

    const doc = splitClusters(xml);

    expect(doc.clusters).toHaveLength(2);
    expect(joinClusters(doc, doc.clusters)).toBe(xml);
  });

  it("handles moto's empty <DBClusters/>", () => {
    const doc = splitClusters(response([]));

    expect(doc.clusters).toEqual([]);
    expect(joinClusters(doc, [])).toContain('<DBClusters></DBClusters>');
  });

  it('refuses a document that is not a DescribeDBClusters response', () => {
    expect(() => splitClusters('<ErrorResponse/>')).toThrow(/no <DBClusters> element/);
  });
});

describe('paging', () => {
  const xml = response(Array.from({ length: 45 }, (_, i) => cluster(`c${i}`)));

  it('returns MaxRecords clusters and a Marker pointing after them', () => {
    const page = pageClusters(xml, { maxRecords: 20, offset: 0 });

    const doc = splitClusters(page);
    expect(doc.clusters.map((c) => clusterField(c, 'DBClusterIdentifier'))).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
    const marker = /<Marker>([^<]+)<\/Marker><\/DescribeDBClustersResult>/.exec(page)?.[1];
    expect(marker && decodeMarker(marker)).toBe(20);
  });

  it('returns the rest without a Marker on the last page', () => {
    const page = pageClusters(xml, { maxRecords: 20, offset: 40 });

    expect(splitClusters(page).clusters).toHaveLength(5);
    expect(page).not.toContain('<Marker>');
  });

  it('passes every returned cluster through the rewrite function', () => {
    const page = pageClusters(xml, { maxRecords: 20, offset: 40 }, (c) => applyClusterOverrides(c, { Engine: 'aurora' }));

    expect(splitClusters(page).clusters.every((c) => clusterField(c, 'Engine') === 'aurora')).toBe(true);
  });
});

describe('MaxRecords and Marker validation', () => {
  it.each(['20', '100', '55'])('accepts MaxRecords %s', (value) => {
    expect(maxRecordsError(value)).toBeUndefined();
  });

  it.each(['19', '101', '0', 'abc', '20.5'])('rejects MaxRecords %s with the AWS message', (value) => {
    expect(maxRecordsError(value)).toBe(`Invalid value ${value} for MaxRecords. Must be between 20 and 100`);
  });

  it('accepts an absent MaxRecords', () => {
    expect(maxRecordsError(null)).toBeUndefined();
  });

  it('round-trips a marker and rejects one it did not issue', () => {
    expect(decodeMarker(encodeMarker(140))).toBe(140);
    expect(decodeMarker('not-a-marker')).toBeUndefined();
  });
});

describe('cluster overrides', () => {
  it('replaces a top-level field without touching a nested field of the same name', () => {
    const out = applyClusterOverrides(cluster('a'), { Status: 'backtracking' });

    expect(clusterField(out, 'Status')).toBe('backtracking');
    expect(out).toContain('<VpcSecurityGroupId>sg-1</VpcSecurityGroupId><Status>active</Status>');
  });

  it('adds a field moto never returns, as ISO 8601 for a Date', () => {
    const out = applyClusterOverrides(cluster('a'), { EarliestBacktrackTime: new Date('2026-11-24T08:00:00Z') });

    expect(clusterField(out, 'EarliestBacktrackTime')).toBe('2026-11-24T08:00:00.000Z');
    expect(out.endsWith('<EarliestBacktrackTime>2026-11-24T08:00:00.000Z</EarliestBacktrackTime></DBCluster>')).toBe(true);
  });

  it('removes a field overridden with null and ignores one overridden with undefined', () => {
    const out = applyClusterOverrides(cluster('a'), { BacktrackWindow: null, EngineMode: undefined });

    expect(clusterField(out, 'BacktrackWindow')).toBeUndefined();
    expect(out).not.toContain('EngineMode');
  });

  it('replaces a self-closing field and escapes the value', () => {
    const out = applyClusterOverrides(cluster('a'), { TagList: 'a<b&c' });

    expect(out).toContain('<TagList>a&lt;b&amp;c</TagList>');
    expect(clusterField(out, 'TagList')).toBe('a<b&c');
  });

  it('refuses a field name that is not an element name', () => {
    expect(() => applyClusterOverrides(cluster('a'), { 'Bad Name': 'x' })).toThrow(/not a DBCluster field name/);
  });
});
