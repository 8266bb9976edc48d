import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Clock } from '../../shared/clock.ts'
import type { Actor } from '../../access/grants.ts'
import type { AuthService } from '../../users/auth.service.ts'
import type { SpacesService } from '../../spaces/spaces.service.ts'
import type { SpaceDeletionService } from '../../spaces/space-deletion.service.ts'
import type { ListOptions, NodesService, UploadInput } from '../../nodes/nodes.service.ts'
import type { TrashListOptions, TrashService } from '../../trash/trash.service.ts'
import type { TasksService } from '../../tasks/tasks.service.ts'
import type { AlbumsService } from '../../albums/albums.service.ts'
import type { PartUploadsService } from '../../uploads/part-uploads.service.ts'
import type { UrlSigner } from '../../signing/url-signer.ts'

/** The services this dialect calls: nothing else of the core is reachable from here. */
export interface KooDeps {
  clock: Clock
  auth: AuthService
  spaces: SpacesService
  spaceDeletion: SpaceDeletionService
  nodes: NodesService
  trash: TrashService
  tasks: TasksService
  albums: AlbumsService
  partUploads: PartUploadsService
  signer: UrlSigner
  /** Nudges the background worker after work was queued or cancelled. */
  runner: { wake(): void }
}

export type Lang = 'en-US' | 'zh-CN'

// Domain types as the services hand them out (the dialect reaches the core through services only).
export type DriveNode = Awaited<ReturnType<NodesService['createFolder']>>
export type Space = Awaited<ReturnType<SpacesService['get']>>
export type AlbumSummary = Awaited<ReturnType<AlbumsService['get']>>
export type Task = Awaited<ReturnType<TasksService['get']>>
export type ConflictPolicy = NonNullable<UploadInput['onConflict']>
export type NodeSortKey = NonNullable<ListOptions['sort']>
export type SortOrder = NonNullable<ListOptions['order']>
export type TrashSortKey = NonNullable<TrashListOptions['sort']>

export type KooApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>

/** A group of routes: the app (already prefixed and authenticated), the services, and the per-request context factory. */
export type KooRoutes = (app: KooApp, c: KooDeps, k: (req: FastifyRequest) => Ctx) => void | Promise<void>

/** What every handler works with: the services, who is calling, in which language, and where links point. */
export interface Ctx {
  c: KooDeps
  actor: Actor
  lang: Lang
  /** Absolute URL of the dialect's root (`http://host/koodrive/ose/v1`), for the links it hands out. */
  base: string
}

declare module 'fastify' {
  interface FastifyRequest {
    koo: { actor: Actor | null; lang: Lang } | null
  }
  interface FastifyContextConfig {
    /** Signed-link routes: no KooDrive headers, the link itself is the credential. */
    kooPublic?: boolean
  }
}

/** `language` header → one of the two supported languages; anything not Chinese is en-US (the documented default). */
export function langOf(header: unknown): Lang {
  const v = typeof header === 'string' ? header.trim().toLowerCase().replace('_', '-') : ''
  return v.startsWith('zh') ? 'zh-CN' : 'en-US'
}

export function ctxOf(req: FastifyRequest, c: KooDeps, prefix: string): Ctx {
  const koo = req.koo
  if (!koo?.actor) throw new Error('KooDrive route reached without an authenticated actor')
  return { c, actor: koo.actor, lang: koo.lang, base: `${req.protocol}://${req.host}${prefix}` }
}
