import type { Container } from '../../app/container.ts'
import type { Actor } from '../../access/grants.ts'
import { DomainError } from '../../shared/errors.ts'
import type { DriveNode } from '../../nodes/node.ts'
import { PdsError } from './errors.ts'

/** What every operation gets: the services, who is calling, and the origin the client reached us at (for URLs). */
export interface PdsCtx {
  c: Container
  actor: Actor
  origin: string
}

/** An operation's answer: its HTTP status and, unless it is 204, its JSON body. */
export interface PdsResult {
  status: number
  body?: Record<string, unknown>
}

export type PdsOp = (ctx: PdsCtx, body: unknown) => Promise<PdsResult>

export const ok = (body: Record<string, unknown>, status = 200): PdsResult => ({ status, body })
export const noContent = (): PdsResult => ({ status: 204 })

/** A drive (= Trove space) as the operations need it. */
export interface Drive {
  domainId: string
  driveId: string
  rootId: number
}

export async function loadDrive(ctx: PdsCtx, driveId: string): Promise<Drive> {
  const space = await ctx.c.spaces.get(ctx.actor, driveId)
  return { domainId: space.libraryId, driveId: space.id, rootId: space.rootNodeId }
}

/**
 * A file/create for a file answers before the file exists, with a provisional `file_id` naming its upload
 * (`upload-<n>`). It works for get_upload_url and complete and, once complete, anywhere a file_id goes.
 */
export const PROVISIONAL_PREFIX = 'upload-'

export function provisionalFileId(uploadRowId: number): string {
  return `${PROVISIONAL_PREFIX}${uploadRowId}`
}

export function provisionalRowId(fileId: string): number | null {
  if (!fileId.startsWith(PROVISIONAL_PREFIX)) return null
  const n = Number(fileId.slice(PROVISIONAL_PREFIX.length))
  return Number.isSafeInteger(n) && n > 0 ? n : null
}

/** A PDS file_id as the core names it: `root`, or a node id. A file still uploading is not found (as in PDS). */
export async function coreFileId(ctx: PdsCtx, drive: Drive, fileId: string): Promise<string> {
  if (fileId === 'root' || fileId === String(drive.rootId)) return 'root'
  const rowId = provisionalRowId(fileId)
  if (rowId === null) return fileId
  const upload = await ctx.c.multipartUploads.getById(ctx.actor, drive.driveId, rowId).catch(() => null)
  if (!upload || upload.nodeId === null) throw new DomainError('node.not_found', `File ${fileId} does not exist (an upload that is not complete is not a file yet)`, { id: fileId })
  return String(upload.nodeId)
}

/**
 * The visible node behind a file_id. One in the recycle bin (itself, or inside a folder that is) is refused with
 * ForbiddenFileInTheRecycleBin; one being permanently deleted is NotFound.FileId.
 */
export async function visibleFile(ctx: PdsCtx, drive: Drive, fileId: string, what = 'file'): Promise<DriveNode> {
  const loc = await ctx.c.nodeFinder.locate(ctx.actor, drive.driveId, await coreFileId(ctx, drive, fileId))
  if (loc.status === 'visible') return loc.node
  if (loc.status === 'in_bin') throw inRecycleBin(fileId, loc.binRootId !== loc.node.id, what)
  throw new DomainError('node.not_found', `File ${fileId} does not exist`, { id: fileId })
}

export function inRecycleBin(fileId: string, insideFolder: boolean, what = 'file'): PdsError {
  return new PdsError(
    403,
    'ForbiddenFileInTheRecycleBin',
    insideFolder ? `The ${what} ${fileId} is inside a folder in the recycle bin` : `The ${what} ${fileId} is in the recycle bin`,
  )
}

/** PDS's alias for the root folder, or the node id. */
export function pdsId(drive: Drive, nodeId: number | null): string {
  if (nodeId === null) return ''
  return nodeId === drive.rootId ? 'root' : String(nodeId)
}
