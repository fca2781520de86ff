import { describe, expect, it } from 'vitest';

import { esc, formatTick, linearScale, niceTicks } from '../../../lib/report/svg.js';

describe('svg helpers', () => {
  it('escapes text for HTML and attributes', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('picks round ticks covering the data', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.013, 0.21, 5)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25]);
    expect(niceTicks(-0.1, 0.1, 6)).toEqual([-0.1, -0.05, 0, 0.05, 0.1]);
    const flat = niceTicks(2, 2, 5); // a single value gets a ±10% window
    expect(flat[0]).toBeLessThanOrEqual(1.8);
    expect(flat.at(-1)).toBeGreaterThanOrEqual(2.2);
  });
  it('maps the domain onto the range, y axes upside down', () => {
    const y = linearScale(0, 0.2, [300, 20], 4);
    expect(y.domain).toEqual([0, 0.2]);
    expect(y(0)).toBe(300);
    expect(y(0.2)).toBe(20);
    expect(y(0.1)).toBe(160);
  });
  it('formats ticks with the decimals the step needs', () => {
    expect(formatTick(0.05, [0, 0.05, 0.1])).toBe('0.05');
    expect(formatTick(1000, [0, 500, 1000])).toBe('1000');
    expect(formatTick(-0, [0, 1])).toBe('0');
  });
});
