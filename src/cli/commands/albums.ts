import type { Command } from 'commander'
import type { Album, TroveClient } from '../../client/index.ts'
import { formatBytes, relativeTime, table } from '../format.ts'
import { CliError, common, examples, out, printJson, run, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

/** An album by id, or by its exact name when that name is unique. */
async function findAlbum(client: TroveClient, spaceId: string, ref: string): Promise<Album> {
  const all: Album[] = []
  for await (const a of client.paginate('/trove/v1/spaces/{spaceId}/albums', { path: { spaceId }, query: { limit: 1000 } })) all.push(a)
  const byId = all.find((a) => a.id === ref)
  if (byId) return byId
  const named = all.filter((a) => a.name === ref)
  if (named.length === 1) return named[0]
  if (named.length > 1) throw new CliError(`${named.length} albums are named ${JSON.stringify(ref)}: ${named.map((a) => a.id).join(', ')}`, 2, 'Use the album id.')
  throw new CliError(`No album ${JSON.stringify(ref)}.`, 1, 'List albums with `trove albums ls`.', 'album.not_found')
}

async function nodeIds(client: TroveClient, spaceId: string, paths: string[]): Promise<string[]> {
  const resolver = client.paths(spaceId)
  const ids: string[] = []
  for (const p of paths) ids.push((await resolver.resolve(p)).id)
  return ids
}

/** `trove albums ls|create|add|rm|delete`. */
export function registerAlbumsCommands(program: Command, ctx: ClientContext): void {
  const albums = program.command('albums').description('Albums: ordered sets of files (a file can be in several; deleting an album keeps the files)')
  usageExits(albums)
  examples(albums, ['trove albums create Holidays', 'trove albums add Holidays /photos/a.jpg /photos/b.jpg', 'trove albums ls Holidays'])

  const ls = albums.command('ls').description('List albums, or the files of one album').argument('[album]', 'album id or name')
  common(ls)
  usageExits(ls)
  examples(ls, ['trove albums ls', 'trove albums ls Holidays --json'])
  ls.action(
    run(ctx, async (ref: string | undefined, opts: CommonOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      if (!ref) {
        const items: Album[] = []
        for await (const a of client.paginate('/trove/v1/spaces/{spaceId}/albums', { path: { spaceId }, query: { limit: 1000 } })) items.push(a)
        if (opts.json) return printJson({ items })
        if (!items.length) return out('No albums yet (trove albums create NAME).')
        out(table([{ header: 'ID', right: true }, { header: 'NAME' }, { header: 'FILES', right: true }, { header: 'MODIFIED' }], items.map((a) => [a.id, a.name, String(a.itemCount), relativeTime(a.modifiedAt)])))
        return
      }
      const album = await findAlbum(client, spaceId, ref)
      const items = []
      for await (const i of client.paginate('/trove/v1/spaces/{spaceId}/albums/{albumId}/items', { path: { spaceId, albumId: album.id }, query: { limit: 1000 } })) items.push(i)
      if (opts.json) return printJson({ album, items })
      out(`${album.name} (album ${album.id}): ${items.length} file${items.length === 1 ? '' : 's'}`)
      if (items.length) out(table([{ header: 'ID', right: true }, { header: 'NAME' }, { header: 'SIZE', right: true }, { header: 'ADDED' }], items.map((i) => [i.id, i.name, formatBytes(i.sizeBytes), relativeTime(i.addedAt)])))
    }),
  )

  const create = albums.command('create').description('Create an album').argument('<name>', 'album name')
  common(create)
  usageExits(create)
  examples(create, ['trove albums create "Summer 2026"'])
  create.action(
    run(ctx, async (name: string, opts: CommonOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const a = await client.unwrap(client.api.POST('/trove/v1/spaces/{spaceId}/albums', { params: { path: { spaceId } }, body: { name } }))
      if (opts.json) printJson(a)
      else out(`created album ${a.name} (id ${a.id})`)
    }),
  )

  const add = albums.command('add').description('Add files to an album').argument('<album>', 'album id or name').argument('<path...>', 'remote file paths')
  common(add)
  usageExits(add)
  examples(add, ['trove albums add Holidays /photos/beach.jpg /photos/boat.jpg'])
  add.action(
    run(ctx, async (ref: string, paths: string[], opts: CommonOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const album = await findAlbum(client, spaceId, ref)
      const ids = await nodeIds(client, spaceId, paths)
      const r = await client.unwrap(client.api.POST('/trove/v1/spaces/{spaceId}/albums/{albumId}/items', { params: { path: { spaceId, albumId: album.id } }, body: { nodeIds: ids } }))
      if (opts.json) printJson(r)
      else {
        out(`added ${r.added.length} to ${album.name}${r.alreadyPresent.length ? ` (${r.alreadyPresent.length} already there)` : ''}`)
        for (const x of r.rejected) out(`not added ${x.nodeId}: ${x.message} (${x.code})`)
      }
      return r.rejected.length ? (r.added.length + r.alreadyPresent.length ? 3 : 1) : 0
    }),
  )

  const rm = albums.command('rm').description('Remove files from an album (the files stay where they are)').argument('<album>', 'album id or name').argument('<path...>', 'remote file paths')
  common(rm)
  usageExits(rm)
  examples(rm, ['trove albums rm Holidays /photos/boat.jpg'])
  rm.action(
    run(ctx, async (ref: string, paths: string[], opts: CommonOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const album = await findAlbum(client, spaceId, ref)
      const r = await client.unwrap(
        client.api.POST('/trove/v1/spaces/{spaceId}/albums/{albumId}/items/remove', { params: { path: { spaceId, albumId: album.id } }, body: { nodeIds: await nodeIds(client, spaceId, paths) } }),
      )
      if (opts.json) printJson(r)
      else out(`removed ${r.removed} from ${album.name}`)
    }),
  )

  const del = albums.command('delete').description('Delete an album (its files stay where they are)').argument('<album>', 'album id or name')
  common(del)
  usageExits(del)
  examples(del, ['trove albums delete Holidays'])
  del.action(
    run(ctx, async (ref: string, opts: CommonOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const album = await findAlbum(client, spaceId, ref)
      await client.unwrap(client.api.DELETE('/trove/v1/spaces/{spaceId}/albums/{albumId}', { params: { path: { spaceId, albumId: album.id } } }))
      if (opts.json) printJson({ deleted: album.id })
      else out(`deleted album ${album.name} (id ${album.id}); its files are untouched`)
    }),
  )
}
