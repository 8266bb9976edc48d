import { test } from 'node:test'
import assert from 'node:assert/strict'
import { authorize } from './authorize.ts'
import type { Actor } from './grants.ts'
import { parseGrants } from './grants.ts'

const space = { id: '7', libraryId: 'lib1' }
const actor = (over: Partial<Actor>): Actor => ({ libraryId: 'lib1', userId: 'u', grants: [], spaceIds: null, ...over })

test('another library never sees the space: it is reported missing, not forbidden', () => {
  assert.throws(() => authorize(actor({ libraryId: 'lib2', grants: ['admin'] }), space, 'read'), { code: 'space.not_found' })
})

test('a token limited to other spaces cannot reach this one', () => {
  assert.throws(() => authorize(actor({ spaceIds: ['8'], grants: ['admin'] }), space, 'read'), { code: 'space.not_found' })
  authorize(actor({ spaceIds: ['7'] }), space, 'read')
})

test('no grant is read-only; each write needs its own grant; admins and space admins have them all', () => {
  authorize(actor({}), space, 'read')
  assert.throws(() => authorize(actor({}), space, 'upload_file'), { code: 'auth.forbidden' })
  assert.throws(() => authorize(actor({ grants: ['delete_file'] }), space, 'delete_directory'), { code: 'auth.forbidden' })
  assert.throws(() => authorize(actor({ grants: ['delete_file'] }), space, 'delete_file_permanent'), { code: 'auth.forbidden' })
  authorize(actor({ grants: ['delete_file'] }), space, 'delete_file')
  authorize(actor({ grants: ['space_admin'] }), space, 'delete_recycled')
  authorize(actor({ grants: ['admin'] }), space, 'restore_recycled')
})

test('unknown grants are refused by name', () => {
  assert.throws(() => parseGrants(['upload_file', 'root']), /root/)
})
