import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.js';
import { compileText, fixtureText, loadFixture } from './testing/pmml-doc.js';

// The answers of the R fixtures (r_glm_*, r_coxph*) and the hand-written ones (hand_grm_*) are
// pinned by conformance.test.ts; these are the edges no R prediction covers, with what
// JPMML-Evaluator 1.7.7 answered for the same records (jpmml_reference.jpmml_score).

const text = fixtureText;
const load = loadFixture;

describe('GeneralRegressionModel CoxRegression', () => {
  const record = { t: 100, status: 1, x1: 50, x2: 1, g: 'east' };

  it('answers the last baseline cell at or before the time, up to maxTime', () => {
    const got = load('r_coxph').score(record);
    expect(got.Predicted_hazard).toBeCloseTo(3.0652925276455885, 12);
    expect(got.SurvivalProbability).toBeCloseTo(0.046640196321899884, 12);
  });

  it('answers a hazard of 0 before the first cell, without reading the predictors', () => {
    expect(load('r_coxph').score({ ...record, t: 0.001, x1: null })).toEqual({
      Predicted_hazard: 0,
      SurvivalProbability: 1,
    });
  });

  it('refuses (400, naming the field) a record without the end time', () => {
    const err = failure(() => load('r_coxph_strata').score({ ...record, t: null }));
    expect(err.status).toBe(400);
    expect(err.field).toBe('t');
  });
});

describe('GeneralRegressionModel refusals', () => {
  const refusal = (xml: string) => {
    const err = failure(() => compileText(xml));
    expect(err.status).toBe(422);
    return err.message;
  };
  const glm = text('r_glm_binomial_logit');

  it('refuses a generalizedLinear classifier of more than two categories', () => {
    // JPMML gives the last category 1 minus the one before it, not a distribution.
    const three = glm
      .replace('<Value value="yes"/>', '<Value value="yes"/><Value value="maybe"/>')
      .replace('linkFunction="logit"', 'linkFunction="logit" targetReferenceCategory="no"');
    expect(refusal(three)).toMatch(/3 categories is not supported/);
  });

  it('refuses trials, and a power link without its parameter', () => {
    expect(
      refusal(glm.replace('linkFunction="logit"', 'linkFunction="logit" trialsValue="3"')),
    ).toMatch(/trialsVariable\/trialsValue/);
    expect(refusal(glm.replace('linkFunction="logit"', 'linkFunction="power"'))).toMatch(
      /needs linkParameter/,
    );
  });
});
