import { isDomainError } from '../../shared/errors.ts'
import type { DriveNode } from '../../nodes/node.ts'
import type { Ctx } from './context.ts'
import { SmhError } from './errors.ts'
import { pathArray } from './from-core.ts'

/** SMH addresses nodes by path inside the space; the core by id. These walk from the space root through live nodes. */

export async function resolve(ctx: Ctx, segments: string[]): Promise<DriveNode | null> {
  return ctx.c.nodes.resolvePath(ctx.actor, ctx.spaceId, segments.join('/'))
}

export async function requireFolder(ctx: Ctx, segments: string[], code = 'DirectoryNotFound'): Promise<DriveNode> {
  const node = await resolve(ctx, segments)
  if (!node || node.kind !== 'folder') throw new SmhError(404, code, `Directory /${segments.join('/')} does not exist`)
  return node
}

export async function requireFile(ctx: Ctx, segments: string[], code = 'FileNotFound'): Promise<DriveNode> {
  const node = await resolve(ctx, segments)
  if (!node || node.kind !== 'file') throw new SmhError(404, code, `File /${segments.join('/')} does not exist`)
  return node
}

/** The folder at `segments`, creating the missing ones (directory create and move create their parents). */
export async function ensureFolders(ctx: Ctx, segments: string[]): Promise<DriveNode> {
  let node = (await resolve(ctx, []))!
  for (let i = 0; i < segments.length; i++) {
    let next = await resolve(ctx, segments.slice(0, i + 1))
    if (!next) {
      try {
        next = await ctx.c.nodes.createFolder(ctx.actor, ctx.spaceId, String(node.id), segments[i], 'fail')
      } catch (e) {
        // Created by a concurrent request meanwhile: use it.
        if (!isDomainError(e) || e.code !== 'node.name_conflict') throw e
        next = await resolve(ctx, segments.slice(0, i + 1))
        if (!next) throw e
      }
    }
    if (next.kind !== 'folder') throw new SmhError(409, 'SameNameDirectoryOrFileExists', `/${segments.slice(0, i + 1).join('/')} is a file, not a directory`)
    node = next
  }
  return node
}

export async function pathOfNode(ctx: Ctx, node: DriveNode): Promise<string[]> {
  return pathArray(await ctx.c.nodes.pathOf(node.id))
}
