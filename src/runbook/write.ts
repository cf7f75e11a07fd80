/**
 * Writing a runbook as YAML, the canonical reviewable form: block style for the structure, flow
 * style for the small bookkeeping maps (`source: { line: 12 }`) so they do not drown the content.
 */
import { Document, isMap, isScalar, visit } from 'yaml';
import type { RunbookConfig } from './schema.ts';

const FLOW_KEYS = new Set(['source', 'original', 'guard', 'resolution_time']);

/** toYaml writes a runbook as YAML text, with an optional comment header. */
export function toYaml(runbook: RunbookConfig, header?: string): string {
  const doc = new Document(runbook);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && FLOW_KEYS.has(String(pair.key.value)) && isMap(pair.value))
        pair.value.flow = true;
    },
  });
  if (header) doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}
