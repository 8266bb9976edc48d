import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Harness } from './harness.ts'
import { upload } from './harness.ts'
import type { Actor } from '../../src/access/grants.ts'
import type { DriveNode, NodeSortKey, SortOrder } from '../../src/nodes/node.ts'
import type { TrashListItem, TrashListOptions } from '../../src/trash/trash.service.ts'
import type { Usage } from '../../src/spaces/spaces.service.ts'

export interface BulkFiles {
  /** The file uploaded through the service: it owns the real blob on disk. */
  seed: DriveNode
  /** Ids of all n files (seed first), in name order. */
  ids: number[]
  names: string[]
  sha256: string
  bytesEach: number
  totalBytes: number
}

/** `prefix00042.bin`: zero-padded so name order equals creation order. */
export function bulkName(prefix: string, i: number): string {
  return `${prefix}${String(i).padStart(5, '0')}.bin`
}

/**
 * n files under one folder, fast: the first is a normal upload (real blob bytes, so downloads work), the other
 * n-1 rows are inserted in ONE transaction pointing at that blob. Counters move exactly as commitUpload moves them
 * (quota charge, blob refs, closure rows, ancestor size/count), just summed instead of per file.
 */
export async function bulkFiles(h: Harness, parentId: string, n: number, opts: { prefix?: string; content?: string | Buffer } = {}): Promise<BulkFiles> {
  assert.ok(n >= 1)
  const prefix = opts.prefix ?? 'bulk-'
  const names = Array.from({ length: n }, (_, i) => bulkName(prefix, i))
  const seed = await upload(h, parentId, names[0], opts.content ?? 'bulk file content\n')
  const sha256 = seed.blobSha256!
  const bytesEach = seed.sizeBytes
  const spaceNum = Number(h.spaceId)
  const pid = seed.parentId!
  const rest = n - 1
  const now = h.clock.now()
  const ids = await h.c.store.transaction(async (r) => {
    const parent = await r.nodes.findVisible(spaceNum, pid)
    assert.ok(parent && parent.kind === 'folder', 'bulkFiles needs a visible folder')
    const out = [seed.id]
    if (rest === 0) return out
    if (!(await r.spaces.chargeLive(spaceNum, bytesEach * rest))) throw new Error('bulkFiles: over quota')
    await r.blobs.addRef(sha256, bytesEach, now, rest)
    for (let i = 1; i < n; i++) {
      out.push(
        await r.nodes.insert({ spaceId: spaceNum, parentId: pid, name: names[i], kind: 'file', sizeBytes: bytesEach, contentType: null, blobSha256: sha256, createdBy: h.admin.userId, now }),
      )
    }
    await r.nodes.adjustAncestors(pid, bytesEach * rest, rest, now)
    return out
  })
  return { seed, ids, names, sha256, bytesEach, totalBytes: bytesEach * n }
}

/** An actor with full rights but its own user id (for `removedBy`). */
export function userActor(h: Harness, userId: string): Actor {
  return { ...h.admin, userId }
}

export async function usage(h: Harness): Promise<Usage> {
  return h.c.spaces.usage(h.admin, h.spaceId)
}

export async function node(h: Harness, id: number | string): Promise<DriveNode> {
  return (await h.c.store.repos.nodes.find(Number(h.spaceId), Number(id)))!
}

/** Every child of a folder through the service's cursor pages. */
export async function listAll(h: Harness, folderId: string, opts: { sort?: NodeSortKey; order?: SortOrder; limit?: number } = {}): Promise<{ items: DriveNode[]; pages: number }> {
  const items: DriveNode[] = []
  let cursor: string | undefined
  let pages = 0
  for (;;) {
    const page = await h.c.nodes.list(h.admin, h.spaceId, folderId, { ...opts, cursor })
    items.push(...page.items)
    pages++
    if (!page.nextCursor) return { items, pages }
    cursor = page.nextCursor
    assert.ok(pages < 100_000, 'listing does not terminate')
  }
}

export async function namesIn(h: Harness, folderId: string): Promise<string[]> {
  return (await listAll(h, folderId, { limit: 1000 })).items.map((n) => n.name)
}

export async function searchAll(h: Harness, query: string, limit = 1000): Promise<DriveNode[]> {
  const items: DriveNode[] = []
  let cursor: string | undefined
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10_000, 'search does not terminate')
    const page = await h.c.nodes.search(h.admin, h.spaceId, { query, limit, cursor })
    items.push(...page.items)
    if (!page.nextCursor) return items
    cursor = page.nextCursor
  }
}

/** Every bin entry through cursor pages; also returns the `total` reported by each page. */
export async function binAll(h: Harness, opts: Omit<TrashListOptions, 'cursor' | 'page'> = {}): Promise<{ items: TrashListItem[]; totals: number[] }> {
  const items: TrashListItem[] = []
  const totals: number[] = []
  let cursor: string | undefined
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10_000, 'bin listing does not terminate')
    const page = await h.c.trash.list(h.admin, h.spaceId, { ...opts, cursor })
    items.push(...page.items)
    totals.push(page.total)
    if (!page.nextCursor) return { items, totals }
    cursor = page.nextCursor
  }
}

export async function auditCount(h: Harness): Promise<number> {
  return (await h.c.audit.list(h.admin, h.spaceId, { limit: 1000 })).length
}

/** Asserts that `p` rejects with a DomainError of this code (and returns it for further checks). */
export async function rejectsWith(p: Promise<unknown>, code: string, what = ''): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p
  } catch (e) {
    const err = e as { code?: string; message: string; details: Record<string, unknown> }
    assert.equal(err.code, code, `${what}: expected ${code}, got ${err.code} (${err.message})`)
    return err as { code: string; message: string; details: Record<string, unknown> }
  }
  assert.fail(`${what}: expected rejection with ${code}, but it resolved`)
}

/** Relative paths of every file and folder under `dir` (for "nothing else was written" checks). */
export async function treeOf(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (rel: string) => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const p = path.join(rel, e.name)
      out.push(p)
      if (e.isDirectory()) await walk(p)
    }
  }
  await walk('')
  return out.sort()
}
