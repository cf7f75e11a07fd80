/**
 * Paths as rules use them: the argument of `p95(values.depth)`, and the values a condition reads.
 * Paths are written, canonicalised and resolved by the `expect:` language's own code (`valuesPath`,
 * `readPath`): `latency` is the run's latency, every other path reads `values`, a leading `values.`
 * is only a reader's aid, header names are tried lower-cased, so one path means one thing across a
 * runbook.
 */
import { type Condition, type Operand, type Path, readPath, valuesPath } from '../conditions/index.ts';
import type { RuleObservation } from './rule.ts';

/** PathFailure is a path that does not parse, with the offset (0-based) of the problem in the text. */
export class PathFailure extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const WORD = /[\p{L}_][\p{L}\p{N}_-]*/uy;
const INDEX = /\d+/y;

/** parsePath reads a path starting at `start` of `text`; it returns the path and where it ends, or throws PathFailure. */
export function parsePath(text: string, start: number): { path: Path; end: number } {
  let at = start;
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    return pattern.exec(text)?.[0];
  };
  const first = match(WORD);
  if (first === undefined) throw new PathFailure('expected a path such as latency or values.depth', at);
  at += first.length;
  const accessor = (): boolean => text[at] === '.' || text[at] === '[';
  if (first === 'latency') {
    if (accessor()) throw new PathFailure("'latency' is a number of milliseconds; it has no fields", at);
    return { path: { kind: 'path', root: 'latency', segments: [], text: 'latency' }, end: at };
  }
  const prefixed = first === 'values' && accessor();
  const segments: (string | number)[] = prefixed ? [] : [first];
  while (accessor()) {
    if (text[at] === '.') {
      at++;
      const key = match(WORD);
      if (key === undefined) throw new PathFailure("expected a field name after '.'", at);
      segments.push(key);
      at += key.length;
      continue;
    }
    const open = at++;
    const index = match(INDEX);
    if (index !== undefined) {
      segments.push(Number(index));
      at += index.length;
    } else if (text[at] === '"' || text[at] === "'") {
      segments.push(readQuoted());
    } else {
      throw new PathFailure(`expected an index or a quoted key after '[', such as [0] or ["name"]`, at);
    }
    if (text[at] !== ']') throw new PathFailure(`expected the ']' closing the '[' at column ${open + 1}`, at);
    at++;
  }
  return { path: valuesPath(segments, prefixed), end: at };

  function readQuoted(): string {
    const quote = text[at]!;
    const open = at;
    let value = '';
    at++;
    while (at < text.length && text[at] !== quote) {
      if (text[at] === '\\' && at + 1 < text.length) at++;
      value += text[at];
      at++;
    }
    if (at >= text.length) throw new PathFailure(`unclosed string: add the closing ${quote}`, open);
    at++;
    return value;
  }
}

/** conditionPaths lists the paths a condition reads, in the order written. */
export function conditionPaths(condition: Condition): Path[] {
  const paths: Path[] = [];
  const add = (operand: Operand): void => {
    if (operand.kind === 'path') paths.push(operand);
  };
  const walk = (node: Condition): void => {
    switch (node.kind) {
      case 'compare':
      case 'contains':
        add(node.left);
        add(node.right);
        return;
      case 'matches':
        add(node.left);
        return;
      case 'not':
        walk(node.operand);
        return;
      case 'and':
      case 'or':
        for (const part of node.parts) walk(part);
    }
  };
  walk(condition);
  return paths;
}

/**
 * projectObservation keeps of an observation only what `paths` read, so a history of HTTP runs holds a
 * few numbers rather than bodies of 16 KB each. It copies; the observation given is never changed.
 */
export function projectObservation(observation: RuleObservation, paths: readonly Path[]): RuleObservation {
  const slim = { at: observation.at, ok: observation.ok, latency: observation.latency };
  let values: Record<string | number, unknown> | undefined;
  // Containers we built, as opposed to values found: only ours may be written into.
  const built = new WeakSet<object>();
  for (const path of paths) {
    if (path.root === 'latency' || path.segments.length === 0) continue;
    const found = readPath(path, observation);
    if (found === undefined) continue;
    values ??= container(built);
    let node = values;
    const last = path.segments.length - 1;
    for (let i = 0; i < last; i++) {
      const key = path.segments[i]!;
      const next = node[key];
      // A shorter path already kept the whole value under this key, which holds this one too.
      if (next !== undefined && !built.has(next as object)) break;
      if (next === undefined) node[key] = container(built);
      node = node[key] as Record<string | number, unknown>;
      if (i === last - 1) node[path.segments[last]!] = found;
    }
    if (last === 0) node[path.segments[0]!] = found;
  }
  return values === undefined ? slim : { ...slim, values };
}

// Null-prototype, so a key such as `__proto__` from a runbook is stored as data, not as a prototype.
function container(built: WeakSet<object>): Record<string | number, unknown> {
  const made = Object.create(null) as Record<string | number, unknown>;
  built.add(made);
  return made;
}
