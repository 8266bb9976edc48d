import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canTransition, expiresAt, remainingDays } from './retention.ts'
import { DAY_MS } from '../shared/clock.ts'

test('an entry expires exactly retention days after removal', () => {
  assert.equal(expiresAt(1000, 30), 1000 + 30 * DAY_MS)
})

test('remaining days count whole days only and never go negative', () => {
  const exp = 100 * DAY_MS
  assert.equal(remainingDays(exp, exp - 30 * DAY_MS), 30)
  assert.equal(remainingDays(exp, exp - 30 * DAY_MS + 1), 29)
  assert.equal(remainingDays(exp, exp - DAY_MS / 2), 0)
  assert.equal(remainingDays(exp, exp + 5 * DAY_MS), 0)
})

test('the entry state machine allows only the documented transitions', () => {
  const allowed = [
    ['live', 'trashed'],
    ['live', 'purging'],
    ['trashed', 'live'],
    ['trashed', 'purging'],
    ['purging', 'gone'],
    ['purging', 'trashed'],
  ]
  const states = ['live', 'trashed', 'purging', 'gone'] as const
  for (const from of states) {
    for (const to of states) {
      assert.equal(canTransition(from, to), allowed.some(([f, t]) => f === from && t === to), `${from} → ${to}`)
    }
  }
})
