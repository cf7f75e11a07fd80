/**
 * Reading a webhook's raw body as JSON, with errors a sender can act on: the body is empty, too
 * large, not UTF-8, or not JSON at line L, column C.
 */
import type { IngestError } from './alert.ts';

/** JsonBodyProblem tells the transport which answer fits: 413 for too_large, 400 for the others. */
export type JsonBodyProblem = 'empty' | 'too_large' | 'not_utf8' | 'invalid_json';

/** JsonBodyResult is the parsed value, or why the body is not JSON. */
export type JsonBodyResult =
  | { ok: true; value: unknown }
  | { ok: false; problem: JsonBodyProblem; errors: IngestError[] };

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function fail(problem: JsonBodyProblem, message: string): JsonBodyResult {
  return { ok: false, problem, errors: [{ path: '', message }] };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** parseJsonBody parses a raw body of at most `limitBytes` bytes as JSON. */
export function parseJsonBody(raw: string | Uint8Array, limitBytes: number): JsonBodyResult {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes > limitBytes)
    return fail('too_large', `the body is ${size(bytes)}; Vigie accepts at most ${size(limitBytes)}`);
  let text: string;
  if (typeof raw === 'string') text = raw.replace(/^\uFEFF/, '');
  else {
    try {
      text = UTF8.decode(raw);
    } catch {
      return fail('not_utf8', 'the body is not valid UTF-8; send JSON encoded as UTF-8');
    }
  }
  if (text.trim() === '') return fail('empty', 'the body is empty; send a JSON object');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return fail('invalid_json', describeJsonError(text, (error as Error).message));
  }
}

/** describeJsonError says what is wrong with a JSON text and where, as `… at line L, column C`. */
export function describeJsonError(text: string, engineMessage: string): string {
  // V8 quotes the whole input in some messages and gives no place in others; the scanner finds the place.
  const what = engineMessage
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ at position \d+.*$/s, '')
    .replace(/^Unexpected end of JSON input$/, 'unexpected end of input');
  const offset = locateJsonError(text);
  if (offset === undefined) return `not valid JSON: ${what}`;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const near = text.slice(offset, offset + 20).split('\n')[0];
  const shown = offset >= text.length ? 'at the end' : `near '${near}'`;
  return `not valid JSON at line ${line}, column ${column} (position ${offset}, ${shown}): ${lowerFirst(what)}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const WORDS = ['true', 'false', 'null'];

/** locateJsonError gives the offset of the first character that makes a text not JSON, or undefined if it is JSON. */
export function locateJsonError(text: string): number | undefined {
  // Iterative, so a body nested ten thousand deep cannot overflow the stack.
  const stack: ('{' | '[')[] = [];
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const digits = (): boolean => {
    const start = at;
    while (at < text.length && text[at]! >= '0' && text[at]! <= '9') at++;
    return at > start;
  };
  // Each failure leaves `at` where V8 reports it: on the first character that cannot belong.
  const number = (): boolean => {
    if (text[at] === '-') at++;
    if (text[at] === '0') at++;
    else if (!digits()) return false;
    if (text[at] === '.') {
      at++;
      if (!digits()) return false;
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      if (!digits()) return false;
    }
    return true;
  };
  const string = (): boolean => {
    if (text[at] !== '"') return false;
    at++;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        at++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        at++;
        if (text[at] === 'u') {
          at++;
          for (let n = 0; n < 4; n++, at++) if (!/[0-9a-fA-F]/.test(text[at] ?? '')) return false;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[at] ?? 'x')) return false;
      }
      at++;
    }
    return false;
  };
  const scalar = (): boolean => {
    const char = text[at];
    if (char === '"') return string();
    for (const word of WORDS) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return true;
      }
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    // Point past a word's valid prefix ("tru}") rather than at its first letter.
    for (const word of WORDS) {
      let n = 0;
      while (n < word.length && text[at + n] === word[n]) n++;
      if (n > 0) {
        at += n;
        return false;
      }
    }
    return false;
  };
  // After a value: close containers and find the next place a value must begin.
  const afterValue = (): 'value' | 'done' | 'error' => {
    for (;;) {
      space();
      const top = stack[stack.length - 1];
      if (top === undefined) return at === text.length ? 'done' : 'error';
      const char = text[at];
      if (char === ',') {
        at++;
        space();
        if (top === '{') return key() ? 'value' : 'error';
        return 'value';
      }
      if ((top === '{' && char === '}') || (top === '[' && char === ']')) {
        at++;
        stack.pop();
        continue;
      }
      return 'error';
    }
  };
  const key = (): boolean => {
    if (!string()) return false;
    space();
    if (text[at] !== ':') return false;
    at++;
    return true;
  };
  for (;;) {
    space();
    const char = text[at];
    if (char === '{' || char === '[') {
      at++;
      space();
      const close = char === '{' ? '}' : ']';
      if (text[at] === close) {
        at++;
      } else {
        stack.push(char);
        if (char === '{' && !key()) return at;
        continue;
      }
    } else if (!scalar()) return at;
    const next = afterValue();
    if (next === 'done') return undefined;
    if (next === 'error') return at;
  }
}
