/**
 * The risk gate: read and write run on request, dangerous needs a typed confirmation, destructive a
 * second person's fresh approval and its backup, dry runs always pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Approval,
  DEFAULT_APPROVAL_TTL_MS,
  decide,
  expectedConfirmation,
  type GateRequest,
  type GateStep,
} from '../../src/actions/gate.ts';

const NOW = 1_750_000_000_000;
const MINUTE = 60_000;

function request(step: GateStep, extra: Partial<GateRequest> = {}): GateRequest {
  return { step, requester: 'alice', approvals: [], backupSucceeded: () => false, now: NOW, ...extra };
}

function approvedBy(by: string, minutesAgo: number): Approval {
  return { by, at: NOW - minutesAgo * MINUTE };
}

describe('decide: read and write', () => {
  it('lets read and write steps run on request', () => {
    assert.deepEqual(decide(request({ id: 'queue-depth', risk: 'read' })), { allowed: true });
    assert.deepEqual(decide(request({ id: 'restart-worker', risk: 'write' })), { allowed: true });
  });
});

describe('decide: dangerous', () => {
  const step: GateStep = { id: 'restart-db', risk: 'dangerous' };

  it('refuses without a confirmation and says what to type', () => {
    assert.deepEqual(decide(request(step)), {
      allowed: false,
      needs: ['confirmation'],
      reasons: ['this dangerous step needs a typed confirmation: type restart-db to run it'],
    });
  });

  it('refuses a wrong confirmation', () => {
    assert.deepEqual(decide(request(step, { confirmation: 'restart' })), {
      allowed: false,
      needs: ['confirmation'],
      reasons: ['the confirmation "restart" does not match: type restart-db to run it'],
    });
    assert.equal(decide(request(step, { confirmation: 'RESTART-DB' })).allowed, false);
  });

  it('runs with the step id typed, surrounding spaces ignored', () => {
    assert.deepEqual(decide(request(step, { confirmation: 'restart-db' })), { allowed: true });
    assert.deepEqual(decide(request(step, { confirmation: '  restart-db\n' })), { allowed: true });
  });

  it('asks for the word confirm when the step has no id', () => {
    assert.equal(expectedConfirmation({}), 'confirm');
    assert.equal(expectedConfirmation(step), 'restart-db');
    assert.equal(decide(request({ risk: 'dangerous' }, { confirmation: 'confirm' })).allowed, true);
  });
});

describe('decide: destructive', () => {
  const step: GateStep = { id: 'flush-queue', risk: 'destructive' };

  it('refuses without an approval', () => {
    assert.deepEqual(decide(request(step)), {
      allowed: false,
      needs: ['approval'],
      reasons: ['a second person must approve this step: no one has approved it yet'],
    });
  });

  it('refuses self-approval, even given twice or in another case', () => {
    const approvals = [approvedBy('alice', 1), approvedBy('alice', 0), approvedBy(' Alice ', 0)];
    assert.deepEqual(decide(request(step, { approvals })), {
      allowed: false,
      needs: ['approval'],
      reasons: ['a second person must approve: alice cannot approve their own request'],
    });
  });

  it('runs with another responder’s approval within the TTL, and names the approver', () => {
    const approvals = [approvedBy('alice', 0), approvedBy('bob', 29)];
    assert.deepEqual(decide(request(step, { approvals })), { allowed: true, approvedBy: 'bob' });
    const atTheLimit = [{ by: 'bob', at: NOW - DEFAULT_APPROVAL_TTL_MS }];
    assert.equal(decide(request(step, { approvals: atTheLimit })).allowed, true);
  });

  it('refuses an expired approval and says how long ago it expired', () => {
    assert.deepEqual(decide(request(step, { approvals: [approvedBy('bob', 33)] })), {
      allowed: false,
      needs: ['approval'],
      reasons: ['the approval by bob expired 3m ago: approvals last 30m, ask for a new one'],
    });
  });

  it('honours a shorter TTL', () => {
    const decision = decide(request(step, { approvals: [approvedBy('bob', 6)], approvalTtlMs: 5 * MINUTE }));
    assert.deepEqual(decision, {
      allowed: false,
      needs: ['approval'],
      reasons: ['the approval by bob expired 1m ago: approvals last 5m, ask for a new one'],
    });
  });

  it('uses a fresh approval when an older one by the same person expired', () => {
    const approvals = [approvedBy('bob', 45), approvedBy('bob', 2)];
    assert.deepEqual(decide(request(step, { approvals })), { allowed: true, approvedBy: 'bob' });
  });

  it('refuses while the declared backup has not succeeded, even when approved', () => {
    const guarded: GateStep = { ...step, guard: { backup: 'backup-queue' } };
    const approvals = [approvedBy('bob', 1)];
    assert.deepEqual(decide(request(guarded, { approvals })), {
      allowed: false,
      needs: ['backup'],
      reasons: ['backup-queue has not succeeded in this incident: run it first'],
    });
    const asked: string[] = [];
    const backupSucceeded = (id: string) => {
      asked.push(id);
      return id === 'backup-queue';
    };
    assert.deepEqual(decide(request(guarded, { approvals, backupSucceeded })), {
      allowed: true,
      approvedBy: 'bob',
    });
    assert.deepEqual(asked, ['backup-queue']);
  });

  it('reports every missing condition at once', () => {
    const guarded: GateStep = { ...step, guard: { backup: 'backup-queue', confirm: true } };
    const decision = decide(request(guarded, { approvals: [approvedBy('alice', 0)] }));
    assert.equal(decision.allowed, false);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.needs, ['confirmation', 'approval', 'backup']);
    assert.equal(decision.reasons.length, 3);
  });
});

describe('decide: guards raise a lower risk', () => {
  it('guard.confirm makes a write step ask for a confirmation', () => {
    const step: GateStep = { id: 'raise-pool', risk: 'write', guard: { confirm: true } };
    assert.deepEqual(decide(request(step)), {
      allowed: false,
      needs: ['confirmation'],
      reasons: ['this write step needs a typed confirmation: type raise-pool to run it'],
    });
    assert.equal(decide(request(step, { confirmation: 'raise-pool' })).allowed, true);
  });

  it('guard.approval makes a dangerous step need a second person too', () => {
    const step: GateStep = { id: 'kill-sessions', risk: 'dangerous', guard: { approval: true } };
    const decision = decide(request(step, { confirmation: 'kill-sessions' }));
    assert.deepEqual(decision, {
      allowed: false,
      needs: ['approval'],
      reasons: ['a second person must approve this step: no one has approved it yet'],
    });
    const approvals = [approvedBy('bob', 0)];
    assert.equal(decide(request(step, { confirmation: 'kill-sessions', approvals })).allowed, true);
  });

  it('guard.backup holds back a write step until its backup succeeded', () => {
    const step: GateStep = { risk: 'write', guard: { backup: 'db-backup' } };
    assert.deepEqual(decide(request(step)), {
      allowed: false,
      needs: ['backup'],
      reasons: ['db-backup has not succeeded in this incident: run it first'],
    });
    assert.equal(decide(request(step, { backupSucceeded: () => true })).allowed, true);
  });
});

describe('decide: dry runs', () => {
  it('lets a dry run of any step through, since it changes nothing', () => {
    const step: GateStep = { id: 'flush-queue', risk: 'destructive', guard: { backup: 'b', confirm: true } };
    assert.deepEqual(decide(request(step, { dryRun: true })), { allowed: true });
    assert.equal(decide(request({ risk: 'dangerous' }, { dryRun: true })).allowed, true);
  });
});
