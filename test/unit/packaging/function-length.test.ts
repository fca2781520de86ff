// No function in lib/ or native/ is longer than 80 lines (issue 15.5): a longer one is split into
// functions with one job each. TypeScript functions are measured on the compiler's syntax tree
// (every function, method, accessor and arrow function); C++ functions by their outermost brace
// pair whose header ends like a function's (comments and string literals blanked first).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/shared.js';

const MAX_LINES = 80;

/** Every file below `dir` whose name matches `pattern`. */
function filesBelow(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** `file:first-last name (N lines)` of each TypeScript function over the limit. */
function longTsFunctions(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = lineOf(node.getStart());
      const last = lineOf(node.end);
      const name = 'name' in node && node.name ? (node.name as ts.Node).getText() : '<anonymous>';
      if (last - first + 1 > MAX_LINES) out.push(`${path.relative(repoRoot, file)}:${first}-${last} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The C++ source with comments and string and character literals blanked (line breaks kept). */
function blankCpp(text: string): string {
  const blank = (m: string): string => m.replace(/[^\n]/g, ' ');
  return text
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/\/\/[^\n]*/g, blank)
    .replace(/R"\(([\s\S]*?)\)"/g, blank)
    .replace(/"(\\.|[^"\\\n])*"/g, '""')
    .replace(/'(\\.|[^'\\\n])*'/g, "''");
}

/** Whether the text before a `{` ends like a function header (`) const`, `) override`, an initializer list...). */
function isFunctionHeader(header: string): boolean {
  const lastLine = header.split('\n').pop() ?? '';
  if (/^(if|for|while|switch|catch|else|do)\b/.test(header) || /\b(if|for|while|switch|catch)\s*\(/.test(lastLine)) return false;
  return /\)\s*(const|noexcept|override|final|mutable|\s|->\s*[\w:<>,\s*&]+)*$/.test(header) || /\)\s*:\s*[\s\S]*\)\s*$/.test(header);
}

/** `label:first-last header (N lines)` of each outermost C++ function of `source` over the limit. */
function longCppFunctions(source: string, label: string): string[] {
  const text = blankCpp(source);
  const out: string[] = [];
  const open: { line: number; fn: boolean; header: string }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '{') {
      const header = text.slice(Math.max(0, i - 400), i).split(/[;{}]/).pop()!.trim();
      open.push({ line, fn: isFunctionHeader(header), header: header.replace(/\s+/g, ' ').slice(-80) });
    } else if (c === '}') {
      const block = open.pop();
      if (block?.fn && !open.some((b) => b.fn) && line - block.line + 1 > MAX_LINES) {
        out.push(`${label}:${block.line}-${line} ${block.header} (${line - block.line + 1} lines)`);
      }
    }
  }
  return out;
}

describe(`functions in lib/ and native/ are at most ${MAX_LINES} lines`, () => {
  it('TypeScript (lib/)', () => {
    expect(filesBelow(path.join(repoRoot, 'lib'), /\.ts$/).flatMap(longTsFunctions)).toEqual([]);
  });

  it('C++ (native/)', () => {
    const files = filesBelow(path.join(repoRoot, 'native'), /\.(cpp|h)$/);
    expect(files.flatMap((f) => longCppFunctions(readFileSync(f, 'utf8'), path.relative(repoRoot, f)))).toEqual([]);
  });

  it('the C++ measure finds a long method, not a long class or namespace, and skips braces in comments and strings', () => {
    const body = Array.from({ length: MAX_LINES }, (_, i) => `    x += ${i}; // { not a brace "}"`).join('\n');
    const source = `namespace a {\nclass B {\n  int f(int x) const {\n    const char * s = "{";\n${body}\n    return x;\n  }\n};\n}\n`;
    const found = longCppFunctions(source, 'probe.cpp');
    expect(found).toEqual(['probe.cpp:3-86 int f(int x) const (84 lines)']);
    expect(longCppFunctions(source.replace(`${body}\n`, ''), 'probe.cpp')).toEqual([]);
  });
});
