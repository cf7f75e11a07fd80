/**
 * How an observation's values and error become bounded text. A probe may expose a parsed HTTP body
 * of any size; the store keeps at most VALUES_CAP_BYTES per row so the write buffer, the raw table
 * and every range read stay bounded. Store-agnostic: PostgreSQL will store the same JSON.
 */

/** VALUES_CAP_BYTES is the largest serialized values object (UTF-8 bytes) the store keeps per observation. */
export const VALUES_CAP_BYTES = 16 * 1024;

/** ERROR_CAP_CHARS is the longest error message the store keeps per observation. */
export const ERROR_CAP_CHARS = 2048;

/** TRUNCATED_KEY names the marker entry added to values that were over the cap. */
export const TRUNCATED_KEY = '$truncated';

/** TruncatedMarker says how large the values were and which entries were dropped to fit the cap. */
export interface TruncatedMarker {
  readonly bytes: number;
  readonly dropped: readonly string[];
}

/**
 * serializeValues gives the JSON text to store for `values` (null when empty), over the cap dropping its
 * largest top-level entries and naming them under TRUNCATED_KEY.
 */
// Largest first: a parsed body or headers go, and the small entries conditions read most (status,
// value, days_to_expiry) survive.
export function serializeValues(values: Readonly<Record<string, unknown>> | undefined): string | null {
  if (values === undefined) return null;
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(values)) {
    const text = toJson(value);
    if (text !== undefined) entries.push([key, text]);
  }
  if (entries.length === 0) return null;
  const whole = joinObject(entries);
  const bytes = Buffer.byteLength(whole);
  if (bytes <= VALUES_CAP_BYTES) return whole;

  // Room for the marker, assuming every key is dropped (the worst case), so the result always fits.
  const markerRoom = Buffer.byteLength(
    toJson({ [TRUNCATED_KEY]: { bytes, dropped: entries.map(([key]) => key) } satisfies TruncatedMarker })!,
  );
  const bySize = entries
    .map(([key, text]) => ({ key, size: Buffer.byteLength(key) + Buffer.byteLength(text) + 4 }))
    .sort((a, b) => b.size - a.size);
  let size = bytes;
  const dropped = new Set<string>();
  for (const { key, size: entrySize } of bySize) {
    if (size + markerRoom <= VALUES_CAP_BYTES) break;
    dropped.add(key);
    size -= entrySize;
  }
  const kept = entries.filter(([key]) => !dropped.has(key));
  const marker: TruncatedMarker = { bytes, dropped: [...dropped] };
  kept.push([TRUNCATED_KEY, toJson(marker)!]);
  return joinObject(kept);
}

/** serializeError gives the error text to store, cut at ERROR_CAP_CHARS, or null when there is none. */
export function serializeError(error: string | undefined): string | null {
  if (error === undefined) return null;
  return error.length <= ERROR_CAP_CHARS ? error : `${error.slice(0, ERROR_CAP_CHARS - 1)}…`;
}

function joinObject(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, text]) => `${JSON.stringify(key)}:${text}`).join(',')}}`;
}

/** toJson never throws: a value JSON cannot carry (a cycle) is stored as a note saying so. */
function toJson(value: unknown): string | undefined {
  try {
    // BigInt comes from database drivers (COUNT(*) in some); a string keeps every digit.
    return JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? item.toString() : item,
    );
  } catch (error) {
    return JSON.stringify({ $unserializable: error instanceof Error ? error.message : String(error) });
  }
}
