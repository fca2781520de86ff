// The one parser of numeric command-line values: accepted values, and errors that name the
// option, say what it expects and quote what was given.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeNumberRule, numberArg, parseNumberArg } from '../../../lib/commands/number-arg.js';

describe('parseNumberArg', () => {
  it('accepts numbers within the rule', () => {
    expect(parseNumberArg('0.25', '--x')).toBe(0.25);
    expect(parseNumberArg('-3e2', '--x')).toBe(-300);
    expect(parseNumberArg(' 7 ', '--n', { integer: true, min: 1 })).toBe(7);
    expect(numberArg('--p', { min: 0, max: 1 })('1')).toBe(1);
  });

  it('rejects anything else with one message form', () => {
    const cases: Array<[string, Parameters<typeof parseNumberArg>[2], string]> = [
      ['many', {}, '--x expects a number, got "many"'],
      ['', {}, '--x expects a number, got ""'],
      ['Infinity', {}, '--x expects a number, got "Infinity"'],
      ['1.5', { integer: true }, '--x expects an integer, got "1.5"'],
      ['0', { integer: true, min: 1 }, '--x expects an integer >= 1, got "0"'],
      ['abc', { integer: true, min: 0 }, '--x expects an integer >= 0, got "abc"'],
      ['2', { min: 0, max: 1 }, '--x expects a number between 0 and 1, got "2"'],
      ['5', { max: 4 }, '--x expects a number <= 4, got "5"'],
    ];
    for (const [value, rule, message] of cases) {
      expect(() => parseNumberArg(value, '--x', rule)).toThrow(new InvalidArgumentError(message));
    }
  });

  it('describes its rules', () => {
    expect(describeNumberRule({ integer: true, min: 0, max: 9 })).toBe('an integer between 0 and 9');
  });
});
