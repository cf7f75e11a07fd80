/**
 * The status page's states and how they are decided: pure functions of check results, uptime shares
 * and maintenance, so every threshold is tested without a store.
 */

/** ComponentState is what the public sees of one component now. */
export type ComponentState = 'operational' | 'degraded' | 'outage' | 'maintenance' | 'unknown';

/** OverallState is the page's banner: the worst state of its components (unknown ones do not count). */
export type OverallState = 'operational' | 'degraded' | 'outage' | 'maintenance';

/** DayState is the colour of one day of an uptime bar. */
export type DayState = 'operational' | 'degraded' | 'outage' | 'unknown';

/** CheckHealth is one check as the status page sees it: its latest result, or under maintenance. */
export type CheckHealth = 'ok' | 'failing' | 'unknown' | 'maintenance';

/** OPERATIONAL_UPTIME is the share of passing runs at or above which a day is operational (99.9 %). */
export const OPERATIONAL_UPTIME = 0.999;
/** DEGRADED_UPTIME is the share at or above which a day below OPERATIONAL_UPTIME is degraded (95 %); below it, outage. */
export const DEGRADED_UPTIME = 0.95;

/** dayState colours a day by its uptime share; a day without observations is unknown. */
export function dayState(uptime: number | undefined): DayState {
  if (uptime === undefined) return 'unknown';
  if (uptime >= OPERATIONAL_UPTIME) return 'operational';
  if (uptime >= DEGRADED_UPTIME) return 'degraded';
  return 'outage';
}

/**
 * worstUptime combines a component's checks for one window: the lowest share among the checks that
 * have data, so one failing check is never averaged away by healthy ones; undefined when none has data.
 */
export function worstUptime(shares: readonly (number | undefined)[]): number | undefined {
  let worst: number | undefined;
  for (const share of shares) {
    if (share !== undefined && (worst === undefined || share < worst)) worst = share;
  }
  return worst;
}

/**
 * componentState decides a component from its checks: checks under maintenance are set aside; among
 * the others, all failing is an outage and some failing is degraded; otherwise maintenance when any
 * check is under it, operational when some passed, unknown when nothing is known.
 */
export function componentState(checks: readonly CheckHealth[]): ComponentState {
  const known = checks.filter((health) => health === 'ok' || health === 'failing');
  const failing = known.filter((health) => health === 'failing').length;
  if (failing > 0) return failing === known.length ? 'outage' : 'degraded';
  if (checks.includes('maintenance')) return 'maintenance';
  return known.length > 0 ? 'operational' : 'unknown';
}

const RANK: Readonly<Record<OverallState, number>> = {
  operational: 0,
  maintenance: 1,
  degraded: 2,
  outage: 3,
};

/**
 * overallState gives the banner: outage over degraded over maintenance over operational; unknown
 * components do not count (a page with no data yet reads operational, its components grey).
 */
export function overallState(states: readonly ComponentState[]): OverallState {
  let overall: OverallState = 'operational';
  for (const state of states) {
    if (state !== 'unknown' && RANK[state] > RANK[overall]) overall = state;
  }
  return overall;
}
