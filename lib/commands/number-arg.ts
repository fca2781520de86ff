/**
 * The one parser of numeric command-line values: a number (optionally an integer, optionally
 * within a range), with an error that names the option, says what it expects and quotes what it
 * got. `numberArg` is the commander form of it.
 * @module
 */
import { InvalidArgumentError } from 'commander';

/** What a numeric option accepts. */
export interface NumberRule {
  /** Only integers (safe integers). */
  integer?: boolean;
  /** Smallest accepted value. */
  min?: number;
  /** Largest accepted value. */
  max?: number;
}

/** "a number", "an integer >= 1", "a number between 0 and 1", ... */
export function describeNumberRule(rule: NumberRule): string {
  const what = rule.integer ? 'an integer' : 'a number';
  const { min, max } = rule;
  if (min !== undefined && max !== undefined) return `${what} between ${min} and ${max}`;
  if (min !== undefined) return `${what} >= ${min}`;
  if (max !== undefined) return `${what} <= ${max}`;
  return what;
}

/**
 * Parses `value` as a number of `rule`.
 *
 * @param value - The text given on the command line.
 * @param flag - The option's name (e.g. `--top-k`), used in the error.
 * @param rule - Integer only, and the range.
 * @throws InvalidArgumentError `<flag> expects <rule>, got "<value>"`.
 */
export function parseNumberArg(value: string, flag: string, rule: NumberRule = {}): number {
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!rule.integer || Number.isSafeInteger(n)) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max);
  if (!ok) throw new InvalidArgumentError(`${flag} expects ${describeNumberRule(rule)}, got "${value}"`);
  return n;
}

/** A commander argument parser for {@link parseNumberArg}. */
export function numberArg(flag: string, rule: NumberRule = {}): (value: string) => number {
  return (value: string): number => parseNumberArg(value, flag, rule);
}
