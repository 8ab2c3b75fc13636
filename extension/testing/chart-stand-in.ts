// jsdom has no canvas: widget tests replace chart.js's Chart with a stand-in that draws
// nothing and keeps what it was asked to draw. Use it from a vi.mock factory:
//   vi.mock('chart.js', async (original) =>
//     (await import('../testing/chart-stand-in.js')).withChartStandIn(await original<...>()));
import type * as ChartJs from 'chart.js';

/** chart.js with its Chart replaced; each chart made is pushed to `drawn` when given. */
export function withChartStandIn(original: typeof ChartJs, drawn?: object[]): typeof ChartJs {
  class Chart {
    static register() {}
    data: unknown;
    options: unknown;
    config: unknown;
    constructor(
      readonly canvas: unknown,
      config: { data: unknown; options: unknown },
    ) {
      this.config = config;
      this.data = config.data;
      this.options = config.options;
      drawn?.push(this);
    }
    update() {}
    destroy() {}
  }
  return { ...original, Chart: Chart as unknown as typeof ChartJs.Chart };
}
