import assert from 'node:assert/strict'
import crypto, { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { BlobNotFoundError } from '../../src/blobs/blob-store.ts'
import { S3BlobStore, s3ClientFromConfig, type S3BlobStoreOptions } from '../../src/blobs/s3-blob-store.ts'
import { blobStoreContract, bodyOf, collect, readAll, sha256, type BlobStoreHints } from './blob-store.contract.ts'

/**
 * Runs the BlobStore contract against S3BlobStore: an in-process s3rver by default, or a real endpoint when
 * TROVE_TEST_S3_ENDPOINT is set (bucket must exist; every store gets its own prefix, removed afterwards).
 */
const external = process.env.TROVE_TEST_S3_ENDPOINT
const MiB = 1024 * 1024
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`

let server: S3rver | undefined
let serverDir: string | undefined
let endpoint: string
let bucket: string
let credentials: { accessKeyId: string; secretAccessKey: string }
let client: S3Client
let storeCount = 0

function makeClient(): S3Client {
  return s3ClientFromConfig({
    endpoint,
    region: process.env.TROVE_TEST_S3_REGION ?? 'us-east-1',
    forcePathStyle: process.env.TROVE_TEST_S3_FORCE_PATH_STYLE !== 'false',
    ...credentials,
  })
}

/**
 * s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) no longer
 * offers without --openssl-legacy-provider, so every truncated listing fails with a 500. The token is opaque
 * to clients, so while the server runs 'des' is swapped for AES with the key and IV doubled to its sizes.
 * Only this test process sees the swap; S3BlobStore still pages with real continuation tokens.
 */
function shimDesForS3rver(): () => void {
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8))
    return () => {}
  } catch {
    // DES is unavailable: install the swap below.
  }
  type Factory = (alg: string, key: Buffer, iv: Buffer, ...rest: unknown[]) => unknown
  const mutable = crypto as unknown as Record<'createCipheriv' | 'createDecipheriv', Factory>
  const originals = { createCipheriv: mutable.createCipheriv, createDecipheriv: mutable.createDecipheriv }
  const double = (b: Buffer) => Buffer.concat([b, b])
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = originals[name]
    mutable[name] = (alg, key, iv, ...rest) =>
      alg === 'des' ? original('aes-128-cbc', double(key), double(iv)) : original(alg, key, iv, ...rest)
  }
  return () => Object.assign(mutable, originals)
}
let unshimDes: (() => void) | undefined

before(async () => {
  if (external) {
    endpoint = external
    bucket = requiredEnv('TROVE_TEST_S3_BUCKET')
    credentials = {
      accessKeyId: requiredEnv('TROVE_TEST_S3_ACCESS_KEY_ID'),
      secretAccessKey: requiredEnv('TROVE_TEST_S3_SECRET_ACCESS_KEY'),
    }
  } else {
    unshimDes = shimDesForS3rver()
    serverDir = await fsp.mkdtemp(path.join(tmpdir(), 'trove-s3rver-'))
    bucket = 'trove'
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: serverDir,
      configureBuckets: [{ name: bucket, configs: [] }],
    })
    const { port } = await server.run()
    endpoint = `http://127.0.0.1:${port}`
    credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  }
  client = makeClient()
})

after(async () => {
  client?.destroy()
  await server?.close()
  unshimDes?.()
  if (serverDir) await fsp.rm(serverDir, { recursive: true, force: true })
})

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} must be set when TROVE_TEST_S3_ENDPOINT is`)
  return value
}

/** A store over a fresh prefix and a fresh local staging dir, so cases never see each other's objects. */
async function makeS3Store(opts: Partial<S3BlobStoreOptions> = {}) {
  const stagingDir = await fsp.mkdtemp(path.join(tmpdir(), 'trove-s3-staging-'))
  const prefix = `trove-test-${runId}/${++storeCount}/`
  const store = new S3BlobStore({ client, bucket, prefix, stagingDir, ...opts })
  const cleanup = async () => {
    await deleteUnder(prefix)
    await fsp.rm(stagingDir, { recursive: true, force: true })
  }
  return { store, prefix, stagingDir, cleanup }
}

async function deleteUnder(prefix: string): Promise<void> {
  let token: string | undefined
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
    for (const obj of page.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: obj.Key }))
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
}

async function putRaw(key: string, body: Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }))
}

function blobObjectKey(prefix: string, key: string): string {
  return `${prefix}blobs/${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`
}

blobStoreContract(external ? `S3BlobStore (${external})` : 'S3BlobStore (s3rver)', async (hints: BlobStoreHints = {}) => {
  const { store, cleanup } = await makeS3Store(hints)
  return { store, cleanup }
})

describe('S3BlobStore specifics', () => {
  const HOUR = 60 * 60 * 1000
  let ctx: Awaited<ReturnType<typeof makeS3Store>>
  let clock: number

  beforeEach(async () => {
    clock = Date.now()
    ctx = await makeS3Store({ now: () => clock })
  })
  afterEach(async () => {
    await ctx.cleanup()
  })

  it('stores blobs under <prefix>blobs/ab/cd/<sha256>', async () => {
    const data = randomBytes(300)
    const staged = await ctx.store.stage(bodyOf(data))
    await ctx.store.publish(staged)
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: blobObjectKey(ctx.prefix, staged.sha256) }))
    assert.ok(Buffer.from(await res.Body!.transformToByteArray()).equals(data))
    await ctx.store.discard(staged)
  })

  it('adds the missing slash to a prefix', async () => {
    const bare = ctx.prefix.replace(/\/$/, '')
    const store = new S3BlobStore({ client, bucket, prefix: bare, stagingDir: ctx.stagingDir })
    const staged = await store.stage(bodyOf(Buffer.from('slash')))
    await store.publish(staged)
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: blobObjectKey(ctx.prefix, staged.sha256) }))
    await store.discard(staged)
  })

  it('uses one PUT below the threshold, parts above it, and only a HEAD when the blob exists', async () => {
    const sent: string[] = []
    const spied = makeClient()
    spied.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName).replace(/Command$/, ''))
        return next(args)
      },
      { step: 'initialize', name: 'recordCommands' },
    )
    try {
      const store = new S3BlobStore({
        client: spied,
        bucket,
        prefix: ctx.prefix,
        stagingDir: ctx.stagingDir,
        multipartThresholdBytes: 6 * MiB,
        partSizeBytes: 5 * MiB,
      })
      const small = await store.stage(bodyOf(randomBytes(6 * MiB - 1)))
      await store.publish(small)
      assert.deepEqual(sent.splice(0), ['HeadObject', 'PutObject'])

      const large = await store.stage(bodyOf(randomBytes(11 * MiB)))
      await store.publish(large)
      assert.deepEqual(sent.splice(0).sort(), [
        'CompleteMultipartUpload',
        'CreateMultipartUpload',
        'HeadObject',
        'UploadPart',
        'UploadPart',
        'UploadPart',
      ])

      await store.publish(large)
      await store.publish(small)
      assert.deepEqual(sent.splice(0), ['HeadObject', 'HeadObject'], 'already published: nothing uploaded')
      assert.deepEqual(await store.stat(large.sha256), { sizeBytes: 11 * MiB })
      await store.discard(small)
      await store.discard(large)
    } finally {
      spied.destroy()
    }
  })

  it('re-uploads over an object whose size cannot match its key', async () => {
    const data = randomBytes(5000)
    const staged = await ctx.store.stage(bodyOf(data))
    await putRaw(blobObjectKey(ctx.prefix, staged.sha256), data.subarray(0, 1234)) // e.g. a torn write
    await ctx.store.publish(staged)
    assert.ok((await readAll(await ctx.store.get(staged.sha256))).equals(data))
    await ctx.store.discard(staged)
  })

  it('lists only well-formed keys in their fan-out under its own prefix, across pages', async () => {
    const store = new S3BlobStore({ client, bucket, prefix: ctx.prefix, stagingDir: ctx.stagingDir, listPageSize: 2 })
    const expected: Array<{ key: string; sizeBytes: number }> = []
    for (let i = 0; i < 5; i++) {
      const staged = await store.stage(bodyOf(randomBytes(10 + i)))
      await store.publish(staged)
      await store.discard(staged)
      expected.push({ key: staged.sha256, sizeBytes: 10 + i })
    }
    const key = expected[0].key
    const misplaced = sha256(Buffer.from('elsewhere'))
    await putRaw(`${ctx.prefix}blobs/${key.slice(0, 2)}/${key.slice(2, 4)}/junk.tmp`, Buffer.from('x'))
    await putRaw(`${ctx.prefix}blobs/${key.slice(0, 2)}/${key.slice(2, 4)}/${misplaced}`, Buffer.from('x'))
    // A valid key one level too deep. (Not `<key>/deeper`: s3rver lists that before `<key>` itself, unlike S3,
    // and a page ending on it would make s3rver skip the real blob.)
    await putRaw(`${ctx.prefix}blobs/${key.slice(0, 2)}/${key.slice(2, 4)}/extra/${key}`, Buffer.from('x'))
    await putRaw(`${ctx.prefix}blobs/${key}`, Buffer.from('x'))
    await putRaw(`${ctx.prefix}other/${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`, Buffer.from('x'))

    const neighbour = await makeS3Store()
    try {
      const staged = await neighbour.store.stage(bodyOf(Buffer.from('next door')))
      await neighbour.store.publish(staged)
      await neighbour.store.discard(staged)

      const listed = await collect(store.list())
      const byKey = (x: { key: string }, y: { key: string }) => x.key.localeCompare(y.key)
      assert.deepEqual(listed.map(({ key, sizeBytes }) => ({ key, sizeBytes })).sort(byKey), expected.sort(byKey))
      for (const entry of listed) assert.ok(Math.abs(entry.modifiedAtMs - Date.now()) < HOUR, 'LastModified is recent')
    } finally {
      await neighbour.cleanup()
    }
  })

  it('keeps the local staging copy after publish until discard, and sweeps abandoned ones', async () => {
    const stagingFiles = async () => fsp.readdir(ctx.stagingDir)
    const staged = await ctx.store.stage(bodyOf(randomBytes(300)))
    await ctx.store.publish(staged)
    assert.deepEqual(await stagingFiles(), [staged.stagingId])
    await ctx.store.discard(staged)
    assert.deepEqual(await stagingFiles(), [])

    const abandoned = await ctx.store.stage(bodyOf(randomBytes(10)))
    clock += 2 * HOUR
    const fresh = await ctx.store.stage(bodyOf(randomBytes(10)))
    const nowSec = clock / 1000
    await fsp.utimes(path.join(ctx.stagingDir, fresh.stagingId), nowSec, nowSec)
    assert.equal(await ctx.store.sweepStaging(HOUR), 1)
    assert.deepEqual(await stagingFiles(), [fresh.stagingId])
    await ctx.store.discard(abandoned)
    await ctx.store.discard(fresh)
  })

  it('refuses staging ids that are not its own', async () => {
    const staged = await ctx.store.stage(bodyOf(randomBytes(10)))
    await assert.rejects(ctx.store.publish({ ...staged, stagingId: '../../etc/passwd' }), /invalid staging id/)
    await assert.rejects(ctx.store.discard({ ...staged, stagingId: '../blobs' }), /invalid staging id/)
    await ctx.store.discard(staged)
  })

  it('never serves wrong bytes for a one-byte range at offset 0', async () => {
    // s3rver 3.7.1 reads "bytes=0-0" as the whole object; the store must fail rather than pass that on.
    const data = randomBytes(1000)
    const staged = await ctx.store.stage(bodyOf(data))
    await ctx.store.publish(staged)
    await ctx.store.discard(staged)
    try {
      const got = await readAll(await ctx.store.get(staged.sha256, { start: 0, end: 0 }))
      assert.ok(got.equals(data.subarray(0, 1)))
    } catch (err) {
      assert.match((err as Error).message, /asked for bytes 0-0/)
      assert.ok(!external, 'a real S3 endpoint must honour the range')
    }
  })

  it('reports a missing bucket as an error, not as a missing blob', { skip: external ? 'bucket names are global on real S3' : false }, async () => {
    const store = new S3BlobStore({ client, bucket: `missing-${runId}`, stagingDir: ctx.stagingDir })
    const key = sha256(Buffer.from('x'))
    await assert.rejects(store.get(key), (err: Error) => !(err instanceof BlobNotFoundError) && err.name === 'NoSuchBucket')
    await assert.rejects(store.delete(key), (err: Error) => err.name === 'NoSuchBucket')
    await assert.rejects(collect(store.list()), (err: Error) => err.name === 'NoSuchBucket')
  })

  it('rejects part sizes S3 would refuse', () => {
    assert.throws(() => new S3BlobStore({ client, bucket, stagingDir: ctx.stagingDir, partSizeBytes: 4 * MiB }), /partSizeBytes/)
    assert.throws(() => new S3BlobStore({ client, bucket, stagingDir: ctx.stagingDir, multipartThresholdBytes: 0 }), /multipartThresholdBytes/)
  })
})
