/**
 * The one clock of bench/pipeline.ts's processes: process.hrtime reads CLOCK_MONOTONIC on Linux, which
 * every process of the machine shares, so a time taken in the receiver and one taken in Vigie or in
 * the bench subtract to a latency.
 */

/** monotonicMs reads CLOCK_MONOTONIC in milliseconds, comparable across the bench's processes. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
