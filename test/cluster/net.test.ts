import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cidrContains,
  cidrsOverlap,
  firstServiceIP,
  formatIPv4,
  networkOf,
  parseCidr,
  parseIPv4,
} from '../../cluster/net';

test('parseIPv4 accepts dotted quads and rejects everything else', () => {
  assert.equal(parseIPv4('10.1.2.3'), 0x0a010203);
  assert.equal(formatIPv4(parseIPv4('255.255.255.255') as number), '255.255.255.255');
  for (const bad of ['10.1.2', '10.1.2.256', '1.2.3.4.5', 'a.b.c.d', '', '10.1.2.3/24'])
    assert.equal(parseIPv4(bad), undefined, bad);
});

test('parseCidr requires zero host bits and a prefix', () => {
  assert.deepEqual(parseCidr('10.96.0.0/12'), { network: 0x0a600000, prefix: 12, text: '10.96.0.0/12' });
  assert.equal(parseCidr('10.96.0.1/12'), undefined);
  assert.equal(parseCidr('10.96.0.0'), undefined);
  assert.equal(parseCidr('10.96.0.0/33'), undefined);
  assert.equal(parseCidr('0.0.0.0/0')?.prefix, 0);
});

test('containment and overlap', () => {
  const svc = parseCidr('10.96.0.0/12')!;
  assert.ok(cidrContains(svc, parseIPv4('10.111.255.255')!));
  assert.ok(!cidrContains(svc, parseIPv4('10.112.0.0')!));
  assert.ok(cidrsOverlap(svc, parseCidr('10.100.0.0/16')!));
  assert.ok(cidrsOverlap(parseCidr('10.100.0.0/16')!, svc));
  assert.ok(!cidrsOverlap(svc, parseCidr('172.20.0.0/16')!));
  assert.ok(cidrsOverlap(parseCidr('0.0.0.0/0')!, svc));
});

test('networkOf and firstServiceIP', () => {
  assert.equal(networkOf(parseIPv4('192.168.10.77')!, 24).text, '192.168.10.0/24');
  assert.equal(networkOf(parseIPv4('192.168.10.77')!, 29).text, '192.168.10.72/29');
  assert.equal(firstServiceIP(parseCidr('10.96.0.0/16')!), '10.96.0.1');
});
