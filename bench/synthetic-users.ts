/**
 * Synthetic LongLaMP-2 (abstract generation) users of simple story words, deterministic, for the
 * eval benchmarks and the queue tests: any number of users, each with an input, a gold output
 * and two profile items.
 * @module
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** The rows (`name`, `input`, `output`, `profile`) of `users` synthetic users. */
export function syntheticLongLamp2Rows(users: number): Record<string, unknown>[] {
  let seed = 2026;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const words = 'the little girl boy dog cat ball park tree sun happy sad big red blue played ran jumped saw found loved wanted mom friend day home toy bird flower water sky'.split(' ');
  const sentence = (n: number): string => {
    const w = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!).join(' ');
    return `${w[0]!.toUpperCase()}${w.slice(1)}.`;
  };
  return Array.from({ length: users }, (_, u) => ({
    name: `user-${String(u).padStart(3, '0')}`,
    input: `Generate an abstract for the title "${sentence(4)}" using the following items: ${sentence(3)}`,
    output: [sentence(8), sentence(8)].join(' '),
    profile: Array.from({ length: 2 }, (_, k) => ({ abstract: [sentence(7), sentence(7)].join(' '), id: `p${u}-${k}`, title: sentence(4), year: 2000 + k })),
  }));
}

/** Writes {@link syntheticLongLamp2Rows} as JSONL into `dir`; returns the file. */
export function writeSyntheticLongLamp2(dir: string, users: number, name = 'synthetic-users.jsonl'): string {
  const file = path.join(dir, name);
  writeFileSync(file, syntheticLongLamp2Rows(users).map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}
