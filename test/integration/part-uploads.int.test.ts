import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { makeHarness, body, mkdir, readAll } from '../support/harness.ts'
import { rejectsWith } from '../support/factories.ts'
import { PART_UPLOAD_TTL_MS } from '../../src/uploads/part-uploads.service.ts'

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')

test('part uploads: parts in any order and sent again, completion through the ordinary upload, expiry sweeps the parts', async () => {
  const h = await makeHarness()
  try {
    const up = h.c.partUploads
    const content = 'abcdefghij'
    const u = await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'ten.txt', sizeBytes: 10, sha256: sha(content), partSize: 4 })
    assert.deepEqual(up.plan(u).map((p) => [p.partNumber, p.partSize, p.partOffset]), [[1, 4, 0], [2, 4, 4], [3, 2, 8]])
    const links = await up.partLinks(h.admin, u.id)
    await up.putPart(links[2].token, body('ij'))
    await up.putPart(links[0].token, body('XXXX'))
    await up.putPart(links[0].token, body('abcd')) // the last one sent wins
    await rejectsWith(up.putPart(links[1].token, body('efghZ')), 'upload.size_mismatch', 'too long')
    await rejectsWith(up.complete(h.admin, u.id), 'validation.failed', 'part 2 missing')
    await up.putPart(links[1].token, body('efgh'))
    // Another user of the library may not continue it; a download token is no part credential.
    await rejectsWith(up.complete({ ...h.admin, userId: 'mallory', grants: ['upload_file'] }, u.id), 'validation.failed', 'not the uploader')
    const { token } = await h.c.signer.sign({ t: 'dl', u: u.id, n: 1 }, 60_000)
    await rejectsWith(up.putPart(token, body('abcd')), 'auth.unauthenticated', 'wrong kind of token')
    const { node } = await up.complete(h.admin, u.id)
    assert.equal((await readAll((await h.c.nodes.download(h.admin, h.spaceId, String(node.id))).body)).toString(), content)
    assert.equal((await up.get(h.admin, u.id)).nodeId, node.id)
    assert.deepEqual(await fs.readdir(path.join(h.dataDir, 'part-uploads')), [], 'parts are gone once completed')
    await rejectsWith(up.putPart(links[0].token, body('abcd')), 'validation.failed', 'no parts after completion')

    // Abandoned: after its expiry the next begin sweeps it (row and bytes).
    const left = await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'left.txt', sizeBytes: 3 })
    await up.putPart((await up.partLinks(h.admin, left.id))[0].token, body('abc'))
    h.clock.advance(PART_UPLOAD_TTL_MS + 1)
    await up.begin(h.admin, h.spaceId, { parentId: 'root', name: 'next.txt', sizeBytes: 1 })
    await rejectsWith(up.get(h.admin, left.id), 'validation.failed', 'swept')
    assert.ok(!(await fs.readdir(path.join(h.dataDir, 'part-uploads'))).includes(String(left.id)))
  } finally {
    await h.close()
  }
})

test('part uploads: one completion at a time; a parent trashed meanwhile refuses it and the parts stay for a retry', async () => {
  const h = await makeHarness()
  try {
    const up = h.c.partUploads
    const dir = await mkdir(h, 'root', 'target')
    const u = await up.begin(h.admin, h.spaceId, { parentId: String(dir.id), name: 'f.bin', sizeBytes: 3 })
    await up.putPart((await up.partLinks(h.admin, u.id))[0].token, body('xyz'))
    const { entry } = await h.c.trash.moveToTrash(h.admin, h.spaceId, String(dir.id))
    await rejectsWith(up.complete(h.admin, u.id), 'node.not_found', 'parent in the bin')
    await h.c.trash.restore(h.admin, h.spaceId, [String(entry.id)])
    const results = await Promise.allSettled([up.complete(h.admin, u.id), up.complete(h.admin, u.id)])
    const fulfilled = results.filter((r) => r.status === 'fulfilled')
    assert.ok(fulfilled.length >= 1)
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'service.busy')
    const ids = new Set(fulfilled.map((r) => (r as PromiseFulfilledResult<{ node: { id: number } }>).value.node.id))
    assert.equal(ids.size, 1, 'one file, however many completions')
    assert.equal((await h.c.nodes.list(h.admin, h.spaceId, String(dir.id))).items.length, 1)
  } finally {
    await h.close()
  }
})
