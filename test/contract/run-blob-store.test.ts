import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { BlobSizeMismatchError, BlobTooLargeError } from '../../src/blobs/blob-store.ts'
import { DiskBlobStore } from '../../src/blobs/disk-blob-store.ts'
import { blobStoreContract, bodyOf, collect, sha256 } from './blob-store.contract.ts'

async function freshDir(): Promise<string> {
  return fsp.mkdtemp(path.join(tmpdir(), 'trove-blobs-'))
}

blobStoreContract('DiskBlobStore', async () => {
  const rootDir = await freshDir()
  return { store: new DiskBlobStore({ rootDir }), cleanup: () => fsp.rm(rootDir, { recursive: true, force: true }) }
})

describe('DiskBlobStore specifics', () => {
  const HOUR = 60 * 60 * 1000
  let rootDir: string
  let clock: number
  let store: DiskBlobStore
  const stagingFiles = async () => fsp.readdir(path.join(rootDir, 'staging')).catch(() => [])

  beforeEach(async () => {
    rootDir = await freshDir()
    clock = Date.now()
    store = new DiskBlobStore({ rootDir, now: () => clock })
  })
  afterEach(async () => {
    await fsp.rm(rootDir, { recursive: true, force: true })
  })

  it('stores blobs under blobs/ab/cd/<sha256>', async () => {
    const data = randomBytes(300)
    const staged = await store.stage(bodyOf(data))
    await store.publish(staged)
    const key = sha256(data)
    const file = path.join(rootDir, 'blobs', key.slice(0, 2), key.slice(2, 4), key)
    assert.ok((await fsp.readFile(file)).equals(data))
  })

  it('keeps the staging copy after publish until discard', async () => {
    const data = randomBytes(300)
    const staged = await store.stage(bodyOf(data))
    assert.deepEqual(await stagingFiles(), [staged.stagingId])
    await store.publish(staged)
    assert.deepEqual(await stagingFiles(), [staged.stagingId])
    await store.discard(staged)
    assert.deepEqual(await stagingFiles(), [])
    assert.deepEqual(await store.stat(staged.sha256), { sizeBytes: 300 })
  })

  it('leaves no staging file behind when stage fails', async () => {
    const data = randomBytes(1000)
    await assert.rejects(store.stage(bodyOf(data), { maxBytes: 10 }), BlobTooLargeError)
    await assert.rejects(store.stage(bodyOf(data), { expectedSize: 10 }), BlobSizeMismatchError)
    await assert.rejects(store.stage(bodyOf(data), { expectedSize: 2000 }), BlobSizeMismatchError)
    assert.deepEqual(await stagingFiles(), [])
  })

  it('sweeps abandoned staging files and keeps fresh ones', async () => {
    const abandoned = await store.stage(bodyOf(randomBytes(10)))
    clock += 2 * HOUR
    const fresh = await store.stage(bodyOf(randomBytes(10)))
    // The filesystem clock did not move with ours, so stamp the fresh file with "now".
    const nowSec = clock / 1000
    await fsp.utimes(path.join(rootDir, 'staging', fresh.stagingId), nowSec, nowSec)

    assert.equal(await store.sweepStaging(HOUR), 1)
    assert.deepEqual(await stagingFiles(), [fresh.stagingId])
    await store.discard(abandoned) // already swept: still fine
    assert.equal(await store.sweepStaging(HOUR), 0)
  })

  it('sweeps nothing when the staging area does not exist yet', async () => {
    assert.equal(await store.sweepStaging(0), 0)
  })

  it('lists only well-formed blobs in their fan-out directory', async () => {
    const staged = await store.stage(bodyOf(randomBytes(42)))
    await store.publish(staged)
    const key = staged.sha256
    const dir = path.join(rootDir, 'blobs', key.slice(0, 2), key.slice(2, 4))
    await fsp.writeFile(path.join(dir, 'junk.tmp'), 'x')
    const misplaced = sha256(Buffer.from('elsewhere'))
    await fsp.writeFile(path.join(dir, misplaced), 'x')

    const listed = await collect(store.list())
    assert.deepEqual(
      listed.map(({ key, sizeBytes }) => ({ key, sizeBytes })),
      [{ key, sizeBytes: 42 }],
    )
  })

  it('refuses staging ids that are not its own', async () => {
    const staged = await store.stage(bodyOf(randomBytes(10)))
    await assert.rejects(store.publish({ ...staged, stagingId: '../../etc/passwd' }), /invalid staging id/)
    await assert.rejects(store.discard({ ...staged, stagingId: '../blobs' }), /invalid staging id/)
    await store.discard(staged)
  })
})
