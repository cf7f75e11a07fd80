/**
 * Sending an alert into a running Vigie the way another system's webhook would, for tests that need an
 * incident to act on.
 */
import type { Pipeline } from '../../src/engine/pipeline.ts';

/** TestAlert is one firing alert: its name, the scenario it names (if any), when it started. */
export interface TestAlert {
  readonly name: string;
  readonly fingerprint: string;
  readonly at: number;
  readonly scenario?: string;
}

/** fireAlert ingests one firing webhook alert; the pipeline opens (or joins, or quiets) its incident. */
export function fireAlert(pipeline: Pick<Pipeline, 'ingest'>, alert: TestAlert): void {
  pipeline.ingest({
    alerts: [
      {
        source: 'webhook',
        fingerprint: alert.fingerprint,
        status: 'firing',
        name: alert.name,
        labels: {},
        annotations: {},
        startsAt: alert.at,
        ...(alert.scenario === undefined ? {} : { scenario: alert.scenario }),
      },
    ],
    truncatedAlerts: 0,
  });
}
