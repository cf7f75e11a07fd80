/**
 * Following a running step from the terminal: while `vigie run` waits for its answer, the output the
 * step prints (masked, whole lines) arrives on the API's event stream and is shown as it comes, under
 * a line naming the step, the way a shell would show it.
 */
import { request } from 'undici';
import type { Output } from './incidents.ts';

/** OutputEvent is one piece of a running step's output, as the event stream carries it. */
export interface OutputEvent {
  readonly run: number;
  readonly incidentId?: string;
  readonly scenario: string;
  readonly stepIndex: number;
  readonly text: string;
}

/** Following is a live view being shown; `stop` closes it and tells which runs it showed output of. */
export interface Following {
  stop(): Set<number>;
}

/**
 * follow shows the output of the runs `wanted` picks as it is printed, until `stop`. It never fails
 * the command: without a stream, the answer still shows the output.
 */
export async function follow(
  base: string,
  token: string,
  io: Output,
  wanted: (event: OutputEvent) => boolean,
): Promise<Following> {
  const shown = new Set<number>();
  const controller = new AbortController();
  try {
    const response = await request(new URL('/api/v1/events', base), {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
      headersTimeout: 5000,
      bodyTimeout: 0,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { stop: () => shown };
    }
    let buffer = '';
    response.body.setEncoding('utf8');
    response.body.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = outputOf(frame);
        if (!event || !wanted(event)) continue;
        if (!shown.has(event.run)) {
          shown.add(event.run);
          io.out(`── run ${event.run}: ${event.scenario} step ${event.stepIndex}, live:`);
        }
        io.out(event.text.replace(/\n$/, ''));
      }
    });
    response.body.on('error', () => {});
  } catch {
    return { stop: () => shown };
  }
  return {
    stop() {
      controller.abort();
      return shown;
    },
  };
}

function outputOf(frame: string): OutputEvent | undefined {
  const lines = frame.split('\n');
  if (!lines.includes('event: output')) return undefined;
  const data = lines.find((line) => line.startsWith('data: '));
  if (!data) return undefined;
  try {
    return JSON.parse(data.slice(6)) as OutputEvent;
  } catch {
    return undefined;
  }
}
