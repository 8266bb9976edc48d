import { test } from 'node:test'
import assert from 'node:assert/strict'
import { makeHarness, upload, mkdir } from '../support/harness.ts'
import { rejectsWith } from '../support/purge-helpers.ts'
import { DAY_MS } from '../../src/shared/clock.ts'
import type { Actor } from '../../src/access/grants.ts'
import type { AuditEvent } from '../../src/audit/audit.repository.ts'

const pick = (e: AuditEvent) => [e.action, e.actor, e.entryId === null ? null : String(e.entryId), e.name]

test('every bin action is audited with its actor, entry and name, oldest first in time', async () => {
  const h = await makeHarness()
  try {
    const alice: Actor = { libraryId: h.libraryId, userId: 'alice', grants: ['delete_file', 'delete_directory', 'delete_file_permanent', 'restore_recycled'], spaceIds: null }
    const bob: Actor = { libraryId: h.libraryId, userId: 'bob', grants: ['restore_recycled', 'delete_recycled'], spaceIds: null }
    const a = await upload(h, 'root', 'a.txt', 'aaa')
    const dir = await mkdir(h, 'root', 'photos')
    const p = await upload(h, 'root', 'perm.txt', 'ppp')
    const old = await upload(h, 'root', 'old.txt', 'ooo')

    const ea = String((await h.c.trash.moveToTrash(alice, h.spaceId, String(a.id))).entry.id)
    const ed = String((await h.c.trash.moveToTrash(alice, h.spaceId, String(dir.id))).entry.id)
    const ep = String((await h.c.trash.moveToTrash(alice, h.spaceId, String(p.id), { permanent: true })).entry.id)
    // A dry run and a refused restore leave no trace.
    await h.c.trash.restore(bob, h.spaceId, [ea], { dryRun: true })
    await h.c.trash.restore(bob, h.spaceId, [ea])
    await h.c.trash.setHeld(h.admin, h.spaceId, ed, true)
    await h.c.trash.setHeld(h.admin, h.spaceId, ed, false)
    const { taskId } = await h.c.trash.emptyTrash(bob, h.spaceId)
    await h.c.runner.drain()
    const eo = String((await h.c.trash.moveToTrash(alice, h.spaceId, String(old.id))).entry.id)
    h.clock.advance(31 * DAY_MS)
    await h.c.trash.schedulePurgeExpired(3_600_000)
    await h.c.runner.drain()

    const events = (await h.c.audit.list(h.admin, h.spaceId)).reverse()
    assert.deepEqual(events.map(pick), [
      ['trash', 'alice', ea, 'a.txt'],
      ['trash', 'alice', ed, 'photos'],
      ['delete', 'alice', ep, 'perm.txt'],
      ['restore', 'bob', ea, 'a.txt'],
      ['hold', 'admin', ed, 'photos'],
      ['release', 'admin', ed, 'photos'],
      ['empty', 'bob', null, null],
      // The permanent delete's task is older than the empty's, so it runs first.
      ['purge', 'system', ep, 'perm.txt'],
      ['purge', 'system', ed, 'photos'],
      ['trash', 'alice', eo, 'old.txt'],
      ['retention-purge', 'system', eo, 'old.txt'],
    ])
    const byAction = (action: string) => events.filter((e) => e.action === action)
    assert.equal(byAction('trash')[0].nodeId, a.id)
    assert.deepEqual(byAction('trash')[0].details, { path: '/a.txt', sizeBytes: 3, itemCount: 1 })
    assert.equal(byAction('empty')[0].details.taskId, taskId)
    assert.equal(byAction('empty')[0].details.entries, 1)
    const purgedFolder = byAction('purge').find((e) => String(e.entryId) === ed)!
    assert.equal(purgedFolder.details.removedBy, 'alice')
    assert.equal(purgedFolder.details.taskId, taskId)
    assert.equal(byAction('restore')[0].details.to, '/a.txt')
    assert.ok(events.every((e) => e.libraryId === h.libraryId && e.spaceId === Number(h.spaceId)))
    // Filtering by action goes through the same log.
    assert.deepEqual((await h.c.audit.list(h.admin, h.spaceId, { action: 'hold' })).map(pick), [['hold', 'admin', ed, 'photos']])
  } finally {
    await h.close()
  }
})

test('the audit log is space_admin only and per tenant', async () => {
  const h = await makeHarness()
  try {
    await h.c.trash.moveToTrash(h.admin, h.spaceId, String((await upload(h, 'root', 'x', 'x')).id))
    const other = await h.c.libraries.create({ name: 'other' })
    await rejectsWith(h.c.audit.list({ libraryId: other.libraryId, userId: 'o', grants: ['admin'], spaceIds: null }, h.spaceId), 'space.not_found')
    await rejectsWith(h.c.audit.list({ libraryId: h.libraryId, userId: 'u', grants: ['delete_recycled', 'restore_recycled'], spaceIds: null }, h.spaceId), 'auth.forbidden')
    assert.equal((await h.c.audit.list({ libraryId: h.libraryId, userId: 'sa', grants: ['space_admin'], spaceIds: null }, h.spaceId)).length, 1)
    assert.deepEqual(await h.c.audit.list({ libraryId: other.libraryId, userId: 'o', grants: ['admin'], spaceIds: null }, other.spaceId!), [])
  } finally {
    await h.close()
  }
})

test('a permanent delete from the bin records who requested it', async () => {
  const h = await makeHarness()
  try {
    const bob: Actor = { libraryId: h.libraryId, userId: 'bob', grants: ['delete_recycled'], spaceIds: null }
    const e = String((await h.c.trash.moveToTrash(h.admin, h.spaceId, String((await upload(h, 'root', 'gone.txt', 'g')).id))).entry.id)
    const req = await h.c.trash.deleteEntries(bob, h.spaceId, [e])
    await h.c.runner.drain()
    // The purge itself runs as `system`; without a request-time event nothing says that bob deleted it.
    const deletes = await h.c.audit.list(h.admin, h.spaceId, { action: 'delete' })
    assert.deepEqual(deletes.map(pick), [['delete', 'bob', e, 'gone.txt']], `audit after DELETE by bob (task ${req.taskId}): ${JSON.stringify((await h.c.audit.list(h.admin, h.spaceId)).map(pick))}`)
  } finally {
    await h.close()
  }
})
