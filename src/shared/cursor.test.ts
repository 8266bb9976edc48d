import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeCursor, encodeCursor } from './cursor.ts'

test('a cursor round-trips and is bound to its sort', () => {
  const c = encodeCursor({ s: 'name:asc', k: 'b.txt', i: 42 })
  assert.deepEqual(decodeCursor(c, 'name:asc'), { s: 'name:asc', k: 'b.txt', i: 42 })
  assert.throws(() => decodeCursor(c, 'size:asc'), { code: 'cursor.invalid' })
})

test('tampered or garbage cursors are refused with cursor.invalid', () => {
  for (const bad of ['', 'not-base64!', Buffer.from('{"s":"name:asc","k":{},"i":1}').toString('base64url'), Buffer.from('{"s":"name:asc","k":"a","i":"1"}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
    assert.throws(() => decodeCursor(bad, 'name:asc'), { code: 'cursor.invalid' }, bad)
  }
})
