/**
 * Which runbook checklists are pre-deploy, post-deploy and post-incident: the real runbooks, imported
 * from Markdown, give theirs under the ids the importer writes; hand-written runbooks name them in
 * English or French, by id or by title only.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CHECKLIST_ROLES, checklistsFor, roleOfName } from '../../src/checklists/roles.ts';
import { readRunbookFile } from '../../src/runbook/read.ts';
import { Runbook } from '../../src/runbook/schema.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'runbooks');

describe('checklist roles', () => {
  it('finds the checklists of the real runbooks, as the importer names them', async () => {
    const found: Record<string, Record<string, [string, number][]>> = {};
    for (const file of [
      '000_4aa57bcdda26359e.txt',
      '001_30b92af8b0b53331.txt',
      '002_e461e3d85802dcad.txt',
      '003_b5e6c50738bde8b2.txt',
      '004_5e8796ab6fc91568.txt',
    ]) {
      const { runbook } = await readRunbookFile(join(FIXTURES, file));
      found[file.slice(0, 3)] = Object.fromEntries(
        CHECKLIST_ROLES.map((role) => [
          role,
          checklistsFor(runbook, role).map((list): [string, number] => [list.title, list.items.length]),
        ]),
      );
    }
    assert.deepEqual(found, {
      '000': {
        'pre-deploy': [['Checklist Pre-Deploy', 6]],
        'post-deploy': [['Checklist Post-Deploy', 6]],
        'post-incident': [['Checklist Post-Incident', 6]],
      },
      '001': { 'pre-deploy': [], 'post-deploy': [['Checklist Post-Déploiement', 4]], 'post-incident': [] },
      '002': { 'pre-deploy': [], 'post-deploy': [], 'post-incident': [] },
      '003': { 'pre-deploy': [], 'post-deploy': [], 'post-incident': [['Checklist post-incident', 6]] },
      '004': { 'pre-deploy': [], 'post-deploy': [], 'post-incident': [] },
    });
  });

  it('reads ids and titles in English and French, however they are spelt', () => {
    const cases: [string, string | undefined][] = [
      ['pre_deploy', 'pre-deploy'],
      ['predeploy', 'pre-deploy'],
      ['Before deploying', 'pre-deploy'],
      ['avant-deploiement', 'pre-deploy'],
      ['Avant la mise en production', 'pre-deploy'],
      ['Checklist Post-Déploiement', 'post-deploy'],
      ['after_release', 'post-deploy'],
      ['Après la mise en prod', 'post-deploy'],
      ['Liste de contrôle après incident', 'post-incident'],
      ['postmortem', 'post-incident'],
      ['deploy', undefined],
      ['release-notes', undefined],
      ['security-review', undefined],
    ];
    assert.deepEqual(
      cases.map(([name]) => [name, roleOfName(name)]),
      cases,
    );
  });

  it('prefers a list whose id names the role, keeps every match, and plans check items with their hold', () => {
    const runbook = Runbook.parse({
      name: 'Shop',
      checks: [{ id: 'api', probe: 'http', target: 'http://127.0.0.1:1/health' }],
      checklists: {
        smoke: {
          title: 'Après déploiement',
          items: [{ text: 'No errors in the logs for 5 minutes', check: 'logs', hold: '5m' }],
        },
        'post-deploy': [{ text: 'Health OK', check: 'api' }, 'Dashboards look normal'],
        'pre-deploy': ['Tests pass'],
      },
    });
    assert.deepEqual(checklistsFor(runbook, 'post-deploy'), [
      {
        id: 'post-deploy',
        title: 'post-deploy',
        items: [{ text: 'Health OK', checkId: 'api', holdMs: 0 }, { text: 'Dashboards look normal' }],
      },
      {
        id: 'smoke',
        title: 'Après déploiement',
        items: [{ text: 'No errors in the logs for 5 minutes', checkId: 'logs', holdMs: 300_000 }],
      },
    ]);
    assert.deepEqual(checklistsFor(runbook, 'post-incident'), []);
  });
});
