import type { Repos } from '../db/store.ts'
import { DomainError } from '../shared/errors.ts'
import { numberedName } from '../shared/names.ts'
import type { ConflictPolicy, DriveNode } from './node.ts'

export interface NamePlan {
  name: string
  renamed: boolean
  /** A live file that `overwrite` will move to the bin to make room. */
  replaces: DriveNode | null
}

const MAX_NUMBERED = 10_000

/**
 * Decides the name a new or restored node gets under `parentId`. The unique index on live siblings
 * stays the real guard; this only picks a free name and reports what it chose.
 */
export async function planName(
  r: Repos,
  parentId: number,
  name: string,
  kind: DriveNode['kind'],
  policy: ConflictPolicy,
  /** The live child of that name when the caller already looked it up. */
  known?: { existing: DriveNode | null },
): Promise<NamePlan> {
  const existing = known ? known.existing : await r.nodes.findLiveChild(parentId, name)
  if (!existing) return { name, renamed: false, replaces: null }
  if (policy === 'overwrite') {
    if (kind === 'file' && existing.kind === 'file') return { name, renamed: false, replaces: existing }
    throw new DomainError('node.name_conflict', `\`${name}\` already exists here; only a file can overwrite a file`, { name, existingId: String(existing.id) })
  }
  if (policy === 'fail') {
    throw new DomainError('node.name_conflict', `\`${name}\` already exists in this folder`, { name, existingId: String(existing.id) })
  }
  const base = numberedName(name, 1, kind === 'folder')
  const stem = base.slice(0, base.lastIndexOf(' (1)') + 2)
  const taken = await r.nodes.liveNamesWithPrefix(parentId, stem)
  for (let n = 1; n <= MAX_NUMBERED; n++) {
    const candidate = numberedName(name, n, kind === 'folder')
    if (Buffer.byteLength(candidate) > 255) break
    if (!taken.has(candidate)) return { name: candidate, renamed: true, replaces: null }
  }
  throw new DomainError('node.name_conflict', `No free numbered name for \`${name}\``, { name })
}
