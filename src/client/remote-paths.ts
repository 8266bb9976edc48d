import { TroveApiError } from './errors.ts'
import type { Node } from './types.ts'
import type { TroveClient } from './index.ts'

/** `docs//a/./b/../c` → `['docs', 'a', 'c']`: a remote path is always taken from the space root. */
export function normalizeRemotePath(path: string): string[] {
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return out
}

/**
 * Resolves `/a/b/c` by walking folder listings from the space root, one listing per folder (cached for the life of
 * the resolver, so a command that touches many paths lists each folder once).
 */
export class PathResolver {
  private rootNode: Promise<Node> | null = null
  private readonly listings = new Map<string, Promise<Map<string, Node>>>()

  constructor(
    private readonly client: TroveClient,
    readonly spaceId: string,
  ) {}

  root(): Promise<Node> {
    this.rootNode ??= this.client.unwrap(this.client.api.GET('/trove/v1/spaces/{spaceId}/nodes/{nodeId}', { params: { path: { spaceId: this.spaceId, nodeId: 'root' } } }))
    return this.rootNode
  }

  /** The live children of a folder by name. */
  children(folderId: string): Promise<Map<string, Node>> {
    let listing = this.listings.get(folderId)
    if (!listing) {
      listing = (async () => {
        const byName = new Map<string, Node>()
        const pages = this.client.paginate('/trove/v1/spaces/{spaceId}/folders/{nodeId}/children', { path: { spaceId: this.spaceId, nodeId: folderId }, query: { limit: 1000 } })
        for await (const n of pages) byName.set(n.name, n)
        return byName
      })()
      this.listings.set(folderId, listing)
      listing.catch(() => this.listings.delete(folderId))
    }
    return listing
  }

  /** Records a node this process just created (or learned about), so later lookups see it without listing again. */
  remember(node: Node): void {
    if (node.parentId === null) return
    const listing = this.listings.get(node.parentId)
    void listing?.then((m) => m.set(node.name, node))
    if (node.kind === 'folder' && node.itemCount === 0 && !this.listings.has(node.id)) this.listings.set(node.id, Promise.resolve(new Map()))
  }

  forget(folderId: string): void {
    this.listings.delete(folderId)
  }

  /** The node at `path`, or null when some step is missing. */
  async tryResolve(path: string): Promise<Node | null> {
    let node = await this.root()
    for (const part of normalizeRemotePath(path)) {
      if (node.kind !== 'folder') return null
      const child = (await this.children(node.id)).get(part)
      if (!child) return null
      node = child
    }
    return node
  }

  /** The node at `path`; a missing step is a 404 `path.not_found` naming the deepest folder that does exist. */
  async resolve(path: string): Promise<Node> {
    let node = await this.root()
    const parts = normalizeRemotePath(path)
    for (let i = 0; i < parts.length; i++) {
      const here = '/' + parts.slice(0, i).join('/')
      if (node.kind !== 'folder') throw new TroveApiError(400, 'path.not_a_folder', `${here} is a file, not a folder`, { path: here })
      const child = (await this.children(node.id)).get(parts[i])
      if (!child) throw new TroveApiError(404, 'path.not_found', `No such file or folder: /${parts.join('/')} (there is no \`${parts[i]}\` in ${here})`, { path: '/' + parts.join('/') })
      node = child
    }
    return node
  }
}
