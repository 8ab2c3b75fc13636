import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PmmlModel } from './document.js';
import { compileText, fixtureText, pmmlDoc, PMML_FIXTURES } from './testing/pmml-doc.js';
import { MAX_CODE_DEPTH, NODES_PER_FUNCTION } from './models/tree-code.js';

/**
 * The same document with its first tree's root predicate P written as `P and <True/>`: it means
 * the same (three-valued logic included), but models/flat-trees.ts flattens only plain
 * predicates, so the twin is scored by the compiled closures — the oracle the flat form must
 * match exactly.
 */
function closuresTwin(xml: string): string {
  const node = xml.indexOf('<Node', xml.indexOf('<TreeModel'));
  expect(node).toBeGreaterThan(0);
  const plain = /<(True|False|SimplePredicate)\b[^>]*\/>/g;
  plain.lastIndex = node;
  const p = plain.exec(xml)!;
  expect(p).not.toBeNull();
  const both = `<CompoundPredicate booleanOperator="and">${p[0]}<True/></CompoundPredicate>`;
  return xml.slice(0, p.index) + both + xml.slice(p.index + p[0].length);
}

/** Both scorings of every record, side by side: what the flat form and the closures answer. */
function bothWays(flat: PmmlModel, twin: PmmlModel, records: Record<string, unknown>[]) {
  return {
    flat: records.map((r) => flat.score(r)),
    closures: records.map((r) => twin.score(r)),
  };
}

/** A seeded generator (mulberry32): the same rows on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYNTHETIC_FIELDS = `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="s" optype="categorical" dataType="string"/>
  <DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>`;

const tree = (attrs: string, nodes: string) => `<TreeModel functionName="regression" ${attrs}>
  <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="s"/></MiningSchema>
  ${nodes}
</TreeModel>`;

/** Every missing-value and no-true-child strategy, and every predicate the flat form takes. */
const TREES: [weight: number, xml: string][] = [
  [
    1,
    tree(
      'missingValueStrategy="none" noTrueChildStrategy="returnLastPrediction"',
      `<Node score="1"><True/>
        <Node score="2"><SimplePredicate field="x" operator="lessThan" value="0"/>
          <Node score="3"><SimplePredicate field="s" operator="equal" value="a"/></Node>
          <Node score="4"><SimplePredicate field="s" operator="notEqual" value="a"/></Node>
        </Node>
        <Node score="5"><SimplePredicate field="x" operator="greaterOrEqual" value="0"/></Node>
      </Node>`,
    ),
  ],
  [
    2,
    tree(
      'missingValueStrategy="nullPrediction"',
      `<Node score="10"><True/>
        <Node score="20"><SimplePredicate field="x" operator="lessOrEqual" value="1.5"/></Node>
        <Node score="30"><SimplePredicate field="x" operator="greaterThan" value="1.5"/></Node>
      </Node>`,
    ),
  ],
  [
    0.5,
    tree(
      'missingValueStrategy="lastPrediction"',
      `<Node score="100"><True/>
        <Node score="200"><SimplePredicate field="s" operator="isMissing"/></Node>
        <Node score="300"><SimplePredicate field="x" operator="equal" value="2"/></Node>
        <Node score="400"><False/></Node>
        <Node score="500"><SimplePredicate field="x" operator="notEqual" value="2"/></Node>
      </Node>`,
    ),
  ],
  [
    1.5,
    tree(
      'missingValueStrategy="defaultChild"',
      `<Node id="r" score="7" defaultChild="b"><True/>
        <Node id="a" score="8"><SimplePredicate field="x" operator="lessThan" value="-1"/></Node>
        <Node id="b" score="9" defaultChild="c"><SimplePredicate field="x" operator="greaterOrEqual" value="-1"/>
          <Node id="c" score="11"><SimplePredicate field="s" operator="equal" value="b"/></Node>
          <Node id="d" score="12"><SimplePredicate field="s" operator="isNotMissing"/></Node>
        </Node>
      </Node>`,
    ),
  ],
  [
    1,
    tree(
      'missingValueStrategy="none"',
      `<Node><True/>
        <Node score="0.5"><SimplePredicate field="x" operator="lessThan" value="3"/></Node>
      </Node>`,
    ),
  ],
  [
    // A root that is not <True/>, a strict comparison first, a node with a score and no true
    // child (no score answered: returnNullPrediction), heavy enough to pass missingThreshold.
    3,
    tree(
      'missingValueStrategy="nullPrediction"',
      `<Node score="60"><SimplePredicate field="x" operator="lessThan" value="4"/>
        <Node score="61"><SimplePredicate field="x" operator="greaterThan" value="1.5"/></Node>
        <Node score="62"><SimplePredicate field="x" operator="lessThan" value="0"/></Node>
      </Node>`,
    ),
  ],
];

function ensemble(method: string, treatment: string): string {
  const segments = TREES.map(
    ([weight, xml], i) => `<Segment id="${i + 1}" weight="${weight}"><True/>${xml}</Segment>`,
  ).join('');
  return pmmlDoc(`${SYNTHETIC_FIELDS}
    <MiningModel functionName="regression">
      <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="s" invalidValueTreatment="asIs"/></MiningSchema>
      <Segmentation multipleModelMethod="${method}" missingPredictionTreatment="${treatment}" missingThreshold="0.3">${segments}</Segmentation>
    </MiningModel>`);
}

describe('tree ensembles flattened into arrays', () => {
  it('answer exactly what the closures answer, for every strategy, predicate, method and treatment', () => {
    const xs = [-2, -1, -0.5, 0, 1.5, 2, 3, 4, null];
    const ss = ['a', 'b', 'c', null];
    const records = xs.flatMap((x) => ss.map((s) => ({ x, s })));
    for (const method of ['sum', 'average', 'weightedSum', 'weightedAverage'])
      for (const treatment of ['returnMissing', 'skipSegment', 'continue']) {
        const xml = ensemble(method, treatment);
        const flat = compileText(xml);
        const twin = compileText(closuresTwin(xml));
        expect(flat.flattenedTrees, `${method}/${treatment}`).toBe(TREES.length);
        expect(twin.flattenedTrees).toBe(0);
        const { flat: got, closures } = bothWays(flat, twin, records);
        expect(got, `${method}/${treatment}`).toEqual(closures);
        // Not a vacuous match: the rows reach values and missing answers both.
        expect(new Set(got.map((o) => JSON.stringify(o))).size).toBeGreaterThan(3);
      }
  });

  it('score the 100-tree GBM as the closures do, to the bit, on its records and on random rows with missing values', () => {
    const xml = fixtureText('s2p_gbm_regressor_100');
    const flat = compileText(xml);
    const twin = compileText(closuresTwin(xml));
    expect(flat.flattenedTrees).toBe(100);
    expect(twin.flattenedTrees).toBe(0);
    const expected = JSON.parse(
      readFileSync(`${PMML_FIXTURES}s2p_gbm_regressor_100.expected.json`, 'utf8'),
    ) as { records: Record<string, unknown>[] };
    const next = random(18);
    const maybe = <T>(v: T) => (next() < 0.1 ? null : v);
    const drawn = Array.from({ length: 2000 }, () => ({
      area: maybe(40 + next() * 200),
      rooms: maybe(Math.floor(1 + next() * 7)),
      year: maybe(Math.floor(1950 + next() * 70)),
      district: maybe(['east', 'north', 'south', 'west'][Math.floor(next() * 4)]!),
    }));
    const { flat: got, closures } = bothWays(flat, twin, [...expected.records, ...drawn]);
    expect(got).toEqual(closures);
  });

  it('answer the same from trees too many for one function of code, and too deep for code', () => {
    const next = random(7);
    const split = (depth: number): string =>
      depth === 0
        ? ''
        : [`lessOrEqual`, `greaterThan`]
            .map(
              (op) =>
                `<Node score="${(next() * 10 - 5).toFixed(6)}"><SimplePredicate field="x" operator="${op}" value="${(next() * 8 - 4).toFixed(3)}"/>${split(depth - 1)}</Node>`,
            )
            .join('');
    // Trees whose threshold pairs differ: a node's two children need not cover every x.
    const many = Array.from(
      { length: 400 },
      (_, i) =>
        `<Segment id="${i + 1}"><True/>${tree('noTrueChildStrategy="returnLastPrediction"', `<Node score="0"><True/>${split(2)}</Node>`)}</Segment>`,
    );
    // A chain of 1,000 nodes: as code, nested that deep, it would overflow the stack.
    const depth = 1000;
    expect(depth).toBeGreaterThan(MAX_CODE_DEPTH);
    let chain = '<Node score="-1"><True/>';
    for (let d = 0; d <= depth; d++)
      chain += `<Node score="${d}"><SimplePredicate field="x" operator="lessThan" value="${4 - d / 128}"/>`;
    chain += '</Node>'.repeat(depth + 2);
    const deep = `<Segment id="deep"><True/>${tree('noTrueChildStrategy="returnLastPrediction"', chain)}</Segment>`;
    const records = Array.from({ length: 400 }, () => ({ x: next() * 10 - 5, s: 'a' }));
    for (const segments of [many.join(''), deep + many.slice(0, 3).join('')]) {
      const xml = pmmlDoc(`${SYNTHETIC_FIELDS}
        <MiningModel functionName="regression">
          <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="s"/></MiningSchema>
          <Segmentation multipleModelMethod="sum">${segments}</Segmentation>
        </MiningModel>`);
      const limits = { maxBytes: 64 * 1024 * 1024, maxDepth: 2 * depth + 20 };
      const flat = compileText(xml, limits);
      expect(flat.flattenedTrees).toBeGreaterThan(0);
      const twin = compileText(closuresTwin(xml), limits);
      const { flat: got, closures } = bothWays(flat, twin, records);
      expect(got).toEqual(closures);
      expect(new Set(got.map((o) => JSON.stringify(o))).size).toBeGreaterThan(40);
    }
    expect(many.join('').split('<Node').length - 1).toBeGreaterThan(NODES_PER_FUNCTION);
  });

  it('leave every other tree fixture as it scored (each answers the same flattened or not)', () => {
    const names = readdirSync(PMML_FIXTURES)
      .filter((f) => f.endsWith('.pmml') && /gbm|forest|tree|boost/.test(f))
      .map((f) => f.slice(0, -'.pmml'.length));
    expect(names.length).toBeGreaterThan(5);
    let flattened = 0;
    for (const name of names) {
      const xml = fixtureText(name);
      if (!xml.includes('<TreeModel')) continue;
      const flat = compileText(xml);
      flattened += flat.flattenedTrees;
      const expected = JSON.parse(
        readFileSync(`${PMML_FIXTURES}${name}.expected.json`, 'utf8'),
      ) as { records: Record<string, unknown>[] };
      const { flat: got, closures } = bothWays(
        flat,
        compileText(closuresTwin(xml)),
        expected.records,
      );
      expect(got, name).toEqual(closures);
    }
    // The boosted regressors' and classifiers' sums of trees are flattened.
    expect(flattened).toBeGreaterThan(100);
  });
});
