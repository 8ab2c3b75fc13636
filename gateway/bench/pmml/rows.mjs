// Rows for the PMML benchmark: the fixture's own records (checked against pypmml by the
// conformance suite) followed by seeded rows drawn as make_pmml.py draws the training data
// (houses(), churn(), iris()), missing values included, so the trees take every kind of branch;
// or, for a hand-written document (dataset 'fixture'), its own records over and over.

/** A small seeded generator (mulberry32): the same rows on every run and machine. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

function drawers(rnd) {
  const uniform = (lo, hi) => lo + (hi - lo) * rnd();
  const int = (lo, hiExclusive) => lo + Math.floor(rnd() * (hiExclusive - lo));
  const choice = (xs) => xs[Math.floor(rnd() * xs.length)];
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const holeOr = (p, v) => (rnd() < p ? null : v);
  return { uniform, int, choice, normal, holeOr };
}

/** Draws like make_pmml.py's houses(): the GBM regressor's inputs. */
function house({ uniform, int, choice, holeOr }) {
  return {
    area: round(uniform(30, 200), 1),
    rooms: int(1, 7),
    year: holeOr(0.08, int(1950, 2020)),
    district: holeOr(0.08, choice(['north', 'south', 'east', 'west'])),
  };
}

/** Draws like make_pmml.py's churn(): the logistic regression's inputs. */
function customer({ uniform, choice, normal, holeOr }) {
  return {
    age: holeOr(0.08, round(uniform(18, 80), 1)),
    income: round(Math.exp(10 + 0.5 * normal()), 2),
    city: holeOr(0.08, choice(['paris', 'lyon', 'nice', 'lille'])),
    plan: choice(['basic', 'pro']),
  };
}

/** Draws within the ranges of make_pmml.py's iris() (the outlier detectors' and kNN's inputs). */
function flower({ uniform }) {
  return {
    sepal_length: round(uniform(4.3, 7.9), 2),
    sepal_width: round(uniform(2.0, 4.4), 2),
    petal_length: round(uniform(1.0, 6.9), 2),
    petal_width: round(uniform(0.1, 2.5), 2),
  };
}

const DRAW = { houses: house, churn: customer, iris: flower };

/**
 * `n` rows as value arrays in `fields` order (null for a missing value): the fixture's records
 * first, then rows drawn from `dataset` ('houses', 'churn', 'iris'), or the fixture's records
 * again ('fixture').
 */
export function benchRows({ fields, fixtureRecords, dataset, n, seed = 5 }) {
  const d = drawers(random(seed));
  const records = fixtureRecords.slice(0, n);
  if (dataset === 'fixture')
    while (records.length < n) records.push(fixtureRecords[records.length % fixtureRecords.length]);
  else {
    const draw = DRAW[dataset];
    if (!draw) throw new Error(`no row generator for ${dataset}`);
    while (records.length < n) records.push(draw(d));
  }
  return records.map((r) => fields.map((f) => r[f] ?? null));
}
