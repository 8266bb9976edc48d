import { api, query } from './http.ts'
import type { DriveNode, NodePage } from './types.ts'

/** Small wrappers for the calls several pages make. */
export const sp = (spaceId: string, suffix = '') => `/spaces/${encodeURIComponent(spaceId)}${suffix}`

export function listChildren(spaceId: string, folderId: string, opts: { sort?: string; order?: string; limit?: number; cursor?: string | null }): Promise<NodePage> {
  return api<NodePage>('GET', sp(spaceId, `/folders/${encodeURIComponent(folderId)}/children${query({ sort: opts.sort, order: opts.order, limit: opts.limit ?? 100, cursor: opts.cursor })}`))
}

/** The folder and its ancestors, from the space root down: what breadcrumbs show. O(depth) requests. */
export async function ancestry(spaceId: string, nodeId: string): Promise<DriveNode[]> {
  const chain: DriveNode[] = []
  let id: string | null = nodeId
  while (id !== null && chain.length < 64) {
    const node: DriveNode = await api<DriveNode>('GET', sp(spaceId, `/nodes/${encodeURIComponent(id)}`))
    chain.unshift(node)
    id = node.parentId
  }
  return chain
}

export function contentUrl(spaceId: string, nodeId: string): string {
  return `/trove/v1${sp(spaceId, `/nodes/${encodeURIComponent(nodeId)}/content`)}`
}

export function thumbnailUrl(spaceId: string, nodeId: string): string {
  return `/trove/v1${sp(spaceId, `/nodes/${encodeURIComponent(nodeId)}/thumbnail`)}`
}

const IMAGE = /\.(jpe?g|png|gif|webp|avif|tiff?|heic|heif)$/i
export function isImage(n: Pick<DriveNode, 'kind' | 'name' | 'contentType'>): boolean {
  if (n.kind !== 'file') return false
  if (n.contentType && n.contentType !== 'application/octet-stream') return /^image\/(jpeg|png|gif|webp|avif|tiff|heic|heif)$/i.test(n.contentType)
  return IMAGE.test(n.name)
}
