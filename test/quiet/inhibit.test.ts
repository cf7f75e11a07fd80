import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dependenciesOf, inhibitedBy } from '../../src/quiet/inhibit.ts';

const checks = [
  { id: 'network' },
  { id: 'db-up', depends_on: ['network'] },
  { id: 'cache-up', depends_on: ['network'] },
  { id: 'api-ready', depends_on: ['db-up', 'cache-up'] },
  { id: 'web-ready', depends_on: ['api-ready'] },
];

describe('dependenciesOf', () => {
  test('builds the graph of direct dependencies', () => {
    const { graph, problems } = dependenciesOf(checks);
    assert.deepEqual(problems, []);
    assert.deepEqual(graph.get('api-ready'), ['db-up', 'cache-up']);
    assert.deepEqual(graph.get('network'), []);
  });

  test('reports unknown ids with a suggestion and a check depending on itself', () => {
    const { problems } = dependenciesOf([{ id: 'db-up' }, { id: 'api', depends_on: ['db-upp', 'api'] }]);
    assert.deepEqual(problems, [
      { path: ['checks', 1, 'depends_on', 0], message: "unknown check 'db-upp'; did you mean 'db-up'?" },
      { path: ['checks', 1, 'depends_on', 1], message: "check 'api' cannot depend on itself" },
    ]);
  });

  test('reports a cycle once, with its path', () => {
    const { graph, problems } = dependenciesOf([
      { id: 'a', depends_on: ['b'] },
      { id: 'b', depends_on: ['c'] },
      { id: 'c', depends_on: ['a'] },
      { id: 'd', depends_on: ['a'] },
    ]);
    assert.deepEqual(problems, [
      {
        path: ['checks', 2, 'depends_on', 0],
        message: 'dependencies form a cycle: a → b → c → a; remove one of these depends_on entries',
      },
    ]);
    // The graph stays usable: the walk does not loop.
    assert.equal(inhibitedBy('d', new Set(['c']), graph), 'c');
    assert.equal(inhibitedBy('a', new Set(['d']), graph), undefined);
  });

  test('a long chain does not overflow the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => ({
      id: `c${i}`,
      depends_on: i > 0 ? [`c${i - 1}`] : [],
    }));
    const { graph, problems } = dependenciesOf(chain);
    assert.deepEqual(problems, []);
    assert.equal(inhibitedBy('c19999', new Set(['c0']), graph), 'c0');
  });
});

describe('inhibitedBy', () => {
  const { graph } = dependenciesOf(checks);

  test('db down holds back api alerts', () => {
    assert.equal(inhibitedBy('api-ready', new Set(['db-up']), graph), 'db-up');
  });

  test('a transitive dependency holds back too', () => {
    assert.equal(inhibitedBy('web-ready', new Set(['db-up']), graph), 'db-up');
    assert.equal(inhibitedBy('web-ready', new Set(['network']), graph), 'network');
  });

  test('the nearest failing dependency is named', () => {
    assert.equal(inhibitedBy('web-ready', new Set(['network', 'cache-up', 'api-ready']), graph), 'api-ready');
    assert.equal(inhibitedBy('api-ready', new Set(['network', 'cache-up']), graph), 'cache-up');
  });

  test('a check is not held back by itself, by what depends on it, or when nothing fails', () => {
    assert.equal(inhibitedBy('db-up', new Set(['db-up']), graph), undefined);
    assert.equal(inhibitedBy('db-up', new Set(['api-ready']), graph), undefined);
    assert.equal(inhibitedBy('api-ready', new Set(), graph), undefined);
    assert.equal(inhibitedBy('unknown', new Set(['db-up']), graph), undefined);
  });
});
