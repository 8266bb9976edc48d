import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { DomainError } from '../shared/errors.ts'
import type { Actor } from '../access/grants.ts'
import type { DriveNode } from '../nodes/node.ts'
import type { NodesService } from '../nodes/nodes.service.ts'

/**
 * Image thumbnails for the web UI's album grid. Generated with sharp from the file's content, streamed (the original is
 * never held in memory), and cached on disk keyed by the content hash: the same bytes under another name or in another
 * space reuse the cache entry, and a thumbnail can never show content other than the file's. Every request is
 * authorised through NodesService first, so a cached thumbnail is never served to someone who cannot see the file.
 */
export const THUMBNAIL_EDGE = 256

const IMAGE_TYPES = /^image\/(jpeg|png|gif|webp|avif|tiff|heic|heif)$/i
const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|avif|tiff?|heic|heif)$/i

export interface Thumbnail {
  file: string
  etag: string
  contentType: string
}

export function isImage(node: Pick<DriveNode, 'kind' | 'name' | 'contentType'>): boolean {
  if (node.kind !== 'file') return false
  // SVG is left out on purpose: rendering it would run an XML renderer over user content.
  return node.contentType ? IMAGE_TYPES.test(node.contentType) || (node.contentType === 'application/octet-stream' && IMAGE_EXTENSIONS.test(node.name)) : IMAGE_EXTENSIONS.test(node.name)
}

export class ThumbnailsService {
  constructor(private readonly deps: { nodes: NodesService; cacheDir: string }) {}

  async thumbnail(actor: Actor, spaceId: string, nodeId: string): Promise<Thumbnail> {
    const node = await this.deps.nodes.get(actor, spaceId, nodeId)
    if (node.kind !== 'file' || !node.blobSha256) throw new DomainError('node.is_folder', `Node ${nodeId} is a folder; only images have thumbnails`, { id: nodeId })
    if (!isImage(node)) throw new DomainError('validation.failed', `\`${node.name}\` is not an image; thumbnails exist only for images`, { id: nodeId })
    const sha = node.blobSha256
    const file = path.join(this.deps.cacheDir, sha.slice(0, 2), `${sha}-${THUMBNAIL_EDGE}.webp`)
    const out: Thumbnail = { file, etag: `"t${THUMBNAIL_EDGE}-${sha}"`, contentType: 'image/webp' }
    if (fs.existsSync(file)) return out
    await fsp.mkdir(path.dirname(file), { recursive: true })
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    const dl = await this.deps.nodes.download(actor, spaceId, nodeId)
    try {
      // libvips is loaded on the first thumbnail, not at start-up: a server that never shows an album never pays for it.
      const { default: sharp } = await import('sharp')
      const resize = sharp({ failOn: 'error' }).rotate().resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'cover', withoutEnlargement: false }).webp({ quality: 72 })
      await pipeline(dl.body, resize, fs.createWriteStream(tmp))
      // Two requests may render the same thumbnail at once; rename is atomic, so either result is a whole file.
      await fsp.rename(tmp, file)
    } catch (e) {
      await fsp.rm(tmp, { force: true })
      if (e instanceof DomainError) throw e
      throw new DomainError('validation.failed', `\`${node.name}\` could not be read as an image`, { id: nodeId }, { cause: e })
    }
    return out
  }
}
