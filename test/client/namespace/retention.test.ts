// The pure parts of namespace setup: the --retention flag, how retention is said, and which of
// hakube's search attributes a namespace has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import {
  DEFAULT_RETENTION_MS,
  durationToMs,
  formatRetention,
  parseRetention,
  RetentionError,
  retentionNote,
} from '../../../client/namespace/retention';
import { compareSearchAttributes, describeWrongTypes } from '../../../client/namespace/search-attributes';
import { setupReportLines } from '../../../client/namespace/setup';
import { msToDuration } from '../../../client/namespace/grpc';

const DAY = 86_400_000;
const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_TEXT: TEXT } =
  temporal.api.enums.v1.IndexedValueType;

test('the default retention is 30 days', () => {
  assert.equal(DEFAULT_RETENTION_MS, 30 * DAY);
});

test('--retention takes durations of a day or more', () => {
  assert.equal(parseRetention('30d'), 30 * DAY);
  assert.equal(parseRetention('720h'), 30 * DAY);
  assert.equal(parseRetention('1d12h'), 1.5 * DAY);
  assert.equal(parseRetention(' 90d '), 90 * DAY);
  assert.equal(parseRetention('24h'), DAY);
});

test('--retention refuses under a day, over ten years, and nonsense, naming the flag', () => {
  for (const bad of [
    '23h',
    '12h',
    '0d',
    '30',
    'thirty days',
    '30 d',
    '',
    '-30d',
    '30d;rm',
    '1d500ms',
    '3651d',
  ]) {
    assert.throws(
      () => parseRetention(bad),
      (err: unknown) => err instanceof RetentionError && /^--retention: /.test(err.message),
      bad,
    );
  }
});

test('retention is said in days or hours', () => {
  assert.equal(formatRetention(30 * DAY), '30 days');
  assert.equal(formatRetention(DAY), '1 day');
  assert.equal(formatRetention(36 * 3_600_000), '36 hours');
  assert.equal(formatRetention(3_600_000), '1 hour');
});

test('what retention hides: the period when the server says it, the fact when it does not', () => {
  assert.equal(
    retentionNote(30 * DAY),
    'closed operations are kept for 30 days (namespace retention); older ones are gone',
  );
  assert.equal(
    retentionNote(undefined),
    "closed operations are kept for the namespace's retention period only; older ones are gone",
  );
});

test('protobuf durations convert both ways, Long seconds included', () => {
  assert.equal(durationToMs(msToDuration(30 * DAY)), 30 * DAY);
  assert.equal(durationToMs({ seconds: { toNumber: () => 86_400 }, nanos: 500_000_000 }), DAY + 500);
  assert.equal(durationToMs(undefined), undefined);
});

test('search attributes: present, missing, or of another type', () => {
  const all = { HakubeCluster: KEYWORD, HakubeOperation: KEYWORD, HakubePhase: KEYWORD, Other: TEXT };
  assert.deepEqual(compareSearchAttributes(all), {
    present: ['HakubeCluster', 'HakubeOperation', 'HakubePhase'],
    missing: [],
    wrongType: [],
  });
  const partial = compareSearchAttributes({ HakubeCluster: KEYWORD, HakubePhase: TEXT });
  assert.deepEqual(partial.missing, ['HakubeOperation']);
  assert.deepEqual(partial.wrongType, [{ name: 'HakubePhase', want: 'Keyword', have: 'Text' }]);
  assert.equal(describeWrongTypes(partial.wrongType), 'HakubePhase is Text, hakube needs Keyword');
});

test('the setup report says what was done and what was already so', () => {
  assert.deepEqual(
    setupReportLines({
      namespace: 'ops',
      created: false,
      retention: { ms: 30 * DAY, previousMs: DAY, changed: true },
      searchAttributes: { added: ['HakubePhase'], present: ['HakubeCluster', 'HakubeOperation'] },
    }),
    [
      'namespace ops: exists, retention 1 day → 30 days',
      '  search attribute HakubeCluster (Keyword): already registered',
      '  search attribute HakubeOperation (Keyword): already registered',
      '  search attribute HakubePhase (Keyword): registered',
    ],
  );
  assert.equal(
    setupReportLines({
      namespace: 'ops',
      created: true,
      retention: { ms: 30 * DAY, changed: false },
      searchAttributes: { added: [], present: [] },
    })[0],
    'namespace ops: created, retention 30 days',
  );
});
