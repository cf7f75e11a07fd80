/**
 * Live changes for browsers, as Server-Sent Events: a check changing state, an incident opened or
 * changed, a timeline entry added. Incident changes are read from the store once a second (so a change
 * made by another process, `vigie incidents ack` for one, is seen too); check changes come from the
 * board as they happen. A comment line every 15 s keeps proxies from closing idle streams.
 */
import type { ServerResponse } from 'node:http';
import type { CheckBoard } from '../engine/board.ts';
import type { Clock } from '../engine/scheduler.ts';
import type { IncidentStore } from '../store/incidents.ts';

/**
 * EventName is the kind of a live change; `output` is a running step's output as it is printed;
 * `maintenance`, `deploy` and `checklist` say that a run, a deploy or a tracked list changed.
 */
export type EventName = 'check' | 'incident' | 'timeline' | 'output' | 'maintenance' | 'deploy' | 'checklist';

// The store is read four times a second: a change reaches the browser in a quarter second.
const POLL_MS = 250;
const PING_MS = 15_000;

/** EventHub fans live changes out to every open stream. */
export class EventHub {
  private readonly streams = new Set<ServerResponse>();
  private readonly store: IncidentStore;
  private readonly clock: Clock;
  private lastChange: number;
  private lastEntry: number;
  private timer: unknown;
  private sinceping = 0;
  private readonly unsubscribe: () => void;

  constructor(store: IncidentStore, board: CheckBoard, clock: Clock) {
    this.store = store;
    this.clock = clock;
    this.lastChange = clock.now();
    this.lastEntry = store.lastTimelineId();
    this.unsubscribe = board.onChange((state) => this.publish('check', state));
  }

  /** start begins watching the store. */
  start(): void {
    const tick = (): void => {
      this.poll();
      this.sinceping += POLL_MS;
      if (this.sinceping >= PING_MS) {
        this.sinceping = 0;
        for (const stream of this.streams) stream.write(': ping\n\n');
      }
      this.timer = this.clock.setTimeout(tick, POLL_MS);
    };
    this.timer = this.clock.setTimeout(tick, POLL_MS);
  }

  /** attach keeps a response open as an event stream until the client leaves. */
  attach(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 3000\n\n');
    this.streams.add(response);
    response.on('close', () => this.streams.delete(response));
  }

  /** publish sends one event to every stream. */
  publish(name: EventName, data: unknown): void {
    if (this.streams.size === 0) return;
    const frame = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
  }

  /** size is how many streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /** stop ends every stream and the watch. */
  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.unsubscribe();
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  private poll(): void {
    for (const incident of this.store.changedSince(this.lastChange)) {
      this.lastChange = Math.max(this.lastChange, incident.updatedAt);
      this.publish('incident', incident);
    }
    for (const entry of this.store.timelineAfter(this.lastEntry)) {
      this.lastEntry = entry.id;
      this.publish('timeline', entry);
    }
  }
}
