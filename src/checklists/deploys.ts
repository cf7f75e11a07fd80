/**
 * Deploys: `vigie deploy start` opens one with a maintenance window (alerts raised while the service
 * restarts page nobody) and tracks the runbook's pre-deploy checklist on it; `vigie deploy finish`
 * closes it and tracks the post-deploy checklist, whose check items ("health check OK", "no errors for
 * 5 minutes") then tick themselves as those checks hold. Who started and finished each deploy goes to
 * the audit log. Finishing ends the deploy's window, so alerts it held page from then on.
 */
import type { Pipeline } from '../engine/pipeline.ts';
import type { Clock } from '../engine/scheduler.ts';
import { formatDuration, parseDuration } from '../runbook/units.ts';
import type { Deploy, TrackedChecklist } from '../store/checklists.ts';
import type { IncidentStore, WindowRecord } from '../store/incidents.ts';
import { ChecklistError, type ChecklistTracker } from './tracker.ts';

/** DEFAULT_DEPLOY_WINDOW is how long a deploy's maintenance window lasts when the request names no duration. */
export const DEFAULT_DEPLOY_WINDOW = '30m';
/** Longest title kept for a deploy. */
const TITLE_MAX = 200;

/** DeployOptions are the store, the tracker and the pipeline that opens windows. */
export interface DeployOptions {
  readonly store: IncidentStore;
  readonly tracker: ChecklistTracker;
  readonly pipeline: Pick<Pipeline, 'addWindow' | 'endWindow'>;
  readonly clock: Clock;
  readonly mask: (text: string) => string;
  /** Hears of a deploy started or finished, for the live view. */
  readonly onChange?: (deploy: Deploy) => void;
}

/** DeployStart is a request to start a deploy. */
export interface DeployStart {
  readonly title?: string;
  /** Length of the maintenance window (30s, 15m, 1h); 30m when absent. */
  readonly duration?: string;
  /** Label matchers of the alerts the window quiets (`service=api`); every alert when absent. */
  readonly matchers?: readonly string[];
}

/** DeployView is a deploy with its maintenance window and the checklists it tracks. */
export interface DeployView {
  readonly deploy: Deploy;
  readonly window?: WindowRecord;
  readonly checklists: TrackedChecklist[];
}

/** DeployService starts, finishes and lists deploys. */
export class DeployService {
  private readonly options: DeployOptions;

  constructor(options: DeployOptions) {
    this.options = options;
  }

  /** start opens a deploy, its maintenance window and its pre-deploy checklist, all in one transaction. */
  start(request: DeployStart, actor: string): DeployView {
    const { store, tracker, pipeline, clock, mask } = this.options;
    const duration = request.duration?.trim() || DEFAULT_DEPLOY_WINDOW;
    const durationMs = parseDuration(duration);
    if (durationMs === undefined || durationMs <= 0) {
      throw new ChecklistError(
        'invalid',
        `duration: '${duration}' is not a duration`,
        'write it like 30s, 15m, 1h or 1h30m',
      );
    }
    const title = mask(request.title?.trim().slice(0, TITLE_MAX) || `deploy by ${actor}`);
    return store.transaction(() => {
      const opened = store.checklists.addDeploy({
        title,
        status: 'running',
        startedBy: actor,
        startedAt: clock.now(),
      });
      const window = pipeline.addWindow(
        {
          title: `Deploy ${opened.id}: ${title}`,
          duration,
          ...(request.matchers && request.matchers.length > 0 ? { matchers: [...request.matchers] } : {}),
        },
        actor,
        'deploy',
      );
      if (!window.ok) {
        throw new ChecklistError(
          'invalid',
          `the deploy's maintenance window cannot open: ${window.errors.join('; ')}`,
          'give a duration such as 30m and matchers such as service=api',
        );
      }
      const deploy = store.checklists.updateDeploy(opened.id, { windowId: window.window.id });
      store.appendAudit({
        at: clock.now(),
        actor,
        action: 'deploy-started',
        detail: {
          deploy: deploy.id,
          title,
          window: window.window.id,
          quiet: formatDuration(durationMs),
          matchers: window.window.matchers,
        },
      });
      tracker.attach({ kind: 'deploy', id: String(deploy.id) }, 'pre-deploy', actor);
      this.options.onChange?.(deploy);
      return { deploy, window: window.window, checklists: this.checklistsOf(deploy) };
    });
  }

  /** finish closes a running deploy, ends its maintenance window and tracks its post-deploy checklist. */
  finish(id: number, actor: string): DeployView {
    const { store, tracker, clock, pipeline } = this.options;
    return store.transaction(() => {
      const current = this.deploy(id);
      if (current.status === 'finished') {
        throw new ChecklistError(
          'conflict',
          `deploy ${id} finished already${current.finishedBy ? ` (by ${current.finishedBy})` : ''}`,
          'start another with vigie deploy start',
        );
      }
      const deploy = store.checklists.updateDeploy(id, {
        status: 'finished',
        finishedBy: actor,
        finishedAt: clock.now(),
      });
      store.appendAudit({
        at: clock.now(),
        actor,
        action: 'deploy-finished',
        detail: { deploy: id, title: deploy.title, tookMs: (deploy.finishedAt ?? 0) - deploy.startedAt },
      });
      if (deploy.windowId !== undefined) pipeline.endWindow(deploy.windowId);
      tracker.attach({ kind: 'deploy', id: String(id) }, 'post-deploy', actor);
      this.options.onChange?.(deploy);
      return this.view(deploy);
    });
  }

  /** get gives one deploy with its window and checklists, or throws a not-found ChecklistError. */
  get(id: number): DeployView {
    return this.view(this.deploy(id));
  }

  /** list gives the newest deploys first. */
  list(limit = 50): Deploy[] {
    return this.options.store.checklists.deploys(limit);
  }

  private deploy(id: number): Deploy {
    const deploy = this.options.store.checklists.deploy(id);
    if (!deploy) {
      throw new ChecklistError('not-found', `no deploy ${id}`, 'list deploys with vigie deploy list');
    }
    return deploy;
  }

  private view(deploy: Deploy): DeployView {
    const window = deploy.windowId
      ? this.options.store.windows().find((candidate) => candidate.id === deploy.windowId)
      : undefined;
    return { deploy, ...(window ? { window } : {}), checklists: this.checklistsOf(deploy) };
  }

  private checklistsOf(deploy: Deploy): TrackedChecklist[] {
    return this.options.tracker.checklistsOf({ kind: 'deploy', id: String(deploy.id) });
  }
}
