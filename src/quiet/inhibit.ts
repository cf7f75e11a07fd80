/**
 * Inhibition by declared dependencies: a check lists the checks it `depends_on`, and while one of
 * them (directly or further down) is failing, this check's alerts are recorded but page nobody.
 * "db down holds back api alerts": one page for the cause, not one per symptom.
 */
import { closest } from '../runbook/paths.ts';
import type { QuietProblem } from './silence.ts';

/** CheckDependencies is the part of a check that declares what it depends on. */
export interface CheckDependencies {
  readonly id: string;
  readonly depends_on?: readonly string[];
}

/** DependencyGraph maps each check id to the ids it depends on directly, in declared order. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/**
 * dependenciesOf builds the dependency graph of the runbook's checks and lists its problems: an
 * unknown id (with a "did you mean"), a check depending on itself, and each cycle once. Paths
 * start at `checks`. The graph is usable even with a cycle: `inhibitedBy` never loops.
 */
export function dependenciesOf(checks: readonly CheckDependencies[]): {
  graph: DependencyGraph;
  problems: QuietProblem[];
} {
  const ids = new Set(checks.map((check) => check.id));
  const graph = new Map<string, string[]>();
  const problems: QuietProblem[] = [];
  const indexOf = new Map<string, number>();
  checks.forEach((check, i) => {
    indexOf.set(check.id, i);
    const targets: string[] = [];
    check.depends_on?.forEach((target, j) => {
      const path = ['checks', i, 'depends_on', j];
      if (target === check.id) {
        problems.push({ path, message: `check '${check.id}' cannot depend on itself` });
      } else if (!ids.has(target)) {
        const guess = closest(target, ids);
        problems.push({
          path,
          message: `unknown check '${target}'${guess ? `; did you mean '${guess}'?` : ''}`,
        });
      } else if (!targets.includes(target)) {
        targets.push(target);
      }
    });
    graph.set(check.id, targets);
  });

  // Depth-first search with three colours: meeting a node still on the path closes a cycle. The
  // walk keeps its own stack so a long chain of dependencies cannot overflow the call stack.
  const colour = new Map<string, 'grey' | 'black'>();
  for (const root of checks) {
    if (colour.has(root.id)) continue;
    const path: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    colour.set(root.id, 'grey');
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const target = graph.get(top.id)?.[top.next++];
      if (target === undefined) {
        colour.set(top.id, 'black');
        path.pop();
      } else if (colour.get(target) === 'grey') {
        const ids = path.map((step) => step.id);
        const cycle = [...ids.slice(ids.indexOf(target)), target];
        const i = indexOf.get(top.id) ?? 0;
        problems.push({
          path: ['checks', i, 'depends_on', checks[i]?.depends_on?.indexOf(target) ?? 0],
          message: `dependencies form a cycle: ${cycle.join(' → ')}; remove one of these depends_on entries`,
        });
      } else if (!colour.has(target)) {
        colour.set(target, 'grey');
        path.push({ id: target, next: 0 });
      }
    }
  }
  return { graph, problems };
}

/**
 * inhibitedBy names the failing check that holds back a check's alerts: the nearest of its direct
 * or transitive dependencies in `firingChecks` (breadth first, declared order), or undefined.
 */
export function inhibitedBy(
  checkId: string,
  firingChecks: ReadonlySet<string>,
  graph: DependencyGraph,
): string | undefined {
  const seen = new Set([checkId]);
  const queue = [...(graph.get(checkId) ?? [])];
  for (let at = 0; at < queue.length; at++) {
    const id = queue[at]!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (firingChecks.has(id)) return id;
    queue.push(...(graph.get(id) ?? []));
  }
  return undefined;
}
