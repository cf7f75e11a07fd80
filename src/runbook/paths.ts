/**
 * Paths into a runbook (`checks[3].expect[1]`) and "did you mean" suggestions: shared by the loader
 * and the linter, so both speak of places and names the same way.
 */

/** Path is a location in the model: keys and array indexes from the root. */
export type Path = readonly (string | number)[];

/** formatPath writes a path as `checks[3].expect[1]`, quoting keys that are not plain words. */
export function formatPath(path: Path): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** levenshtein is the edit distance between two strings. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** closest gives the candidate nearest to a name (case-insensitive, at most `limit` edits), or undefined. */
export function closest(name: string, candidates: Iterable<string>, limit = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
