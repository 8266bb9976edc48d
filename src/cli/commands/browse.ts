import { Option, type Command } from 'commander'
import { normalizeRemotePath, type Node, type TroveClient } from '../../client/index.ts'
import { formatBytes, relativeTime, table } from '../format.ts'
import { common, examples, out, printJson, run, usageExits, type ClientContext, type CommonOptions } from '../context.ts'

interface LsOptions extends CommonOptions {
  long?: boolean
  sort?: 'name' | 'size' | 'modified' | 'created'
  reverse?: boolean
}

const label = (n: Node) => (n.kind === 'folder' ? `${n.name}/` : n.name)

export async function listFolder(client: TroveClient, spaceId: string, folderId: string, sort: LsOptions['sort'] = 'name', order: 'asc' | 'desc' = 'asc'): Promise<Node[]> {
  const items: Node[] = []
  for await (const n of client.paginate('/trove/v1/spaces/{spaceId}/folders/{nodeId}/children', { path: { spaceId, nodeId: folderId }, query: { sort, order, limit: 1000 } })) items.push(n)
  return items
}

/** `trove ls`, `trove tree`. */
export function registerBrowseCommands(program: Command, ctx: ClientContext): void {
  const ls = program
    .command('ls')
    .description('List a folder (or show one file)')
    .argument('[path]', 'remote path from the space root', '/')
    .option('-l, --long', 'long format: kind, size, modification time, name')
    .addOption(new Option('--sort <key>', 'sort key').choices(['name', 'size', 'modified', 'created']).default('name'))
    .option('-r, --reverse', 'reverse the order')
  common(ls)
  usageExits(ls)
  examples(ls, ['trove ls', 'trove ls -l /photos --sort modified -r', 'trove ls /docs --json | jq -r ".items[].name"'])
  ls.action(
    run(ctx, async (path: string, opts: LsOptions) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const node = await client.paths(spaceId).resolve(path)
      const items = node.kind === 'folder' ? await listFolder(client, spaceId, node.id, opts.sort, opts.reverse ? 'desc' : 'asc') : [node]
      if (opts.json) return printJson({ path: normalized(path), node, items })
      if (!opts.long) {
        for (const n of items) out(label(n))
        return
      }
      out(
        table(
          [{ header: 'KIND' }, { header: 'SIZE', right: true }, { header: 'ITEMS', right: true }, { header: 'MODIFIED' }, { header: 'NAME' }],
          items.map((n) => [n.kind === 'folder' ? 'dir' : 'file', formatBytes(n.sizeBytes), n.kind === 'folder' ? String(n.itemCount) : '', relativeTime(n.modifiedAt), label(n)]),
        ),
      )
      if (node.kind === 'folder') out(`${items.length} item${items.length === 1 ? '' : 's'}, ${formatBytes(node.sizeBytes)} in ${normalized(path)}`)
    }),
  )

  const tree = program
    .command('tree')
    .description('Show a folder and everything below it')
    .argument('[path]', 'remote folder', '/')
    .option('-d, --depth <n>', 'how many levels to show (default all)')
    .option('-s, --sizes', 'show sizes')
  common(tree)
  usageExits(tree)
  examples(tree, ['trove tree /photos', 'trove tree -d 2 -s', 'trove tree /docs --json'])
  tree.action(
    run(ctx, async (path: string, opts: CommonOptions & { depth?: string; sizes?: boolean }) => {
      const client = await ctx.client()
      const spaceId = await ctx.spaceId(opts)
      const depth = opts.depth === undefined ? Infinity : Number(opts.depth)
      const root = await client.paths(spaceId).resolve(path)
      type TreeNode = Node & { children?: TreeNode[] }
      const build = async (n: Node, level: number): Promise<TreeNode> =>
        n.kind === 'folder' && level < depth ? { ...n, children: await Promise.all((await listFolder(client, spaceId, n.id)).map((c) => build(c, level + 1))) } : n
      const t = await build(root, 0)
      if (opts.json) return printJson(t)
      const counts = { folders: 0, files: 0 }
      const lines: string[] = [normalized(path) + (opts.sizes ? `  (${formatBytes(t.sizeBytes)})` : '')]
      const walk = (n: TreeNode, prefix: string) => {
        const kids = n.children ?? []
        kids.forEach((c, i) => {
          const last = i === kids.length - 1
          counts[c.kind === 'folder' ? 'folders' : 'files']++
          lines.push(`${prefix}${last ? '└── ' : '├── '}${label(c)}${opts.sizes ? `  (${formatBytes(c.sizeBytes)})` : ''}`)
          walk(c, prefix + (last ? '    ' : '│   '))
        })
      }
      walk(t, '')
      lines.push('', `${counts.folders} folder${counts.folders === 1 ? '' : 's'}, ${counts.files} file${counts.files === 1 ? '' : 's'}`)
      out(lines.join('\n'))
    }),
  )
}

export function normalized(path: string): string {
  return '/' + normalizeRemotePath(path).join('/')
}
