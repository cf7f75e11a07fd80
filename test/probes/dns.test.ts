import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { dnsProbe } from '../../src/probes/dns.ts';
import type { ProbeTarget } from '../../src/probes/probe.ts';

// The machine's resolver cannot be relied on (it may answer NXDOMAIN for everything, or be absent),
// so the tests ask a tiny authoritative server of their own on loopback.
const A = 1;
const MX = 15;
const TXT = 16;

/** The zone: answers by name and type. A name listed with no records of a type answers NODATA. */
const ZONE: Record<string, Partial<Record<number, Buffer[]>>> = {
  'app.test': {
    [A]: [Buffer.from([127, 0, 0, 1]), Buffer.from([127, 0, 0, 2])],
    [MX]: [mx(10, 'mx1.app.test'), mx(20, 'mx2.app.test')],
    [TXT]: [Buffer.concat([text('v=spf1 '), text('-all')])],
  },
  'empty.test': {},
};
// Queries for this name are never answered, so the probe must give up on its own.
const SILENT = 'silent.test';

function name(host: string): Buffer {
  return Buffer.concat([...host.split('.').map(text), Buffer.from([0])]);
}
function text(value: string): Buffer {
  return Buffer.concat([Buffer.from([value.length]), Buffer.from(value)]);
}
function mx(priority: number, exchange: string): Buffer {
  return Buffer.concat([Buffer.from([priority >> 8, priority & 0xff]), name(exchange)]);
}

/** answer builds the reply to one query, or undefined to stay silent. */
function answer(query: Buffer): Buffer | undefined {
  const labels: string[] = [];
  let at = 12;
  while (query[at]) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString());
    at += query[at]! + 1;
  }
  const question = query.subarray(12, at + 5);
  const host = labels.join('.').toLowerCase();
  if (host === SILENT) return undefined;
  const type = query.readUInt16BE(at + 1);
  const zone = ZONE[host];
  const records = zone?.[type] ?? [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8580 | (zone ? 0 : 3), 2); // response, authoritative, recursion; rcode 3 is NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((data) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    fixed.writeUInt16BE(type, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(60, 6);
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  });
  return Buffer.concat([header, question, ...answers]);
}

const at = (target: string, record?: ProbeTarget['record'], timeout = 2000): ProbeTarget =>
  record ? { target, timeout, record } : { target, timeout };

describe('dnsProbe against a local DNS server', () => {
  let server: Socket;
  let servers: string[] = [];
  before(async () => {
    server = createSocket('udp4');
    server.on('message', (query, peer) => {
      const reply = answer(query);
      if (reply) server.send(reply, peer.port, peer.address);
    });
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    servers = [`127.0.0.1:${server.address().port}`];
  });
  after(() => server.close());

  it('resolves A records by default', async () => {
    const seen = await dnsProbe({ servers }).run(at('app.test'), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(seen.values, { answers: ['127.0.0.1', '127.0.0.2'], count: 2 });
  });

  it('writes MX answers as "priority exchange"', async () => {
    const seen = await dnsProbe({ servers }).run(at('app.test', 'MX'), AbortSignal.timeout(2000));
    assert.deepEqual(seen.values.answers, ['10 mx1.app.test', '20 mx2.app.test']);
  });

  it('joins the strings of a TXT record', async () => {
    const seen = await dnsProbe({ servers }).run(at('app.test', 'TXT'), AbortSignal.timeout(2000));
    assert.deepEqual(seen.values.answers, ['v=spf1 -all']);
  });

  it('answers nothing, but ok, for a name without records of that type', async () => {
    const seen = await dnsProbe({ servers }).run(at('empty.test'), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(seen.values, { answers: [], count: 0 });
  });

  it('fails on NXDOMAIN with the code', async () => {
    const seen = await dnsProbe({ servers }).run(at('missing.test'), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.equal(seen.values.code, 'ENOTFOUND');
    assert.match(seen.error ?? '', /^A missing\.test: .*ENOTFOUND.*NXDOMAIN/);
  });

  it('gives up at the timeout when the server stays silent', async () => {
    const began = performance.now();
    const seen = await dnsProbe({ servers }).run(at(SILENT, 'A', 300), AbortSignal.timeout(300));
    assert.ok(performance.now() - began < 800);
    assert.equal(seen.ok, false);
    assert.equal(seen.error, 'A silent.test: timed out after 300ms');
  });
});
