/** Convenience names for the wire shapes of the native API, derived from the generated `paths` (never hand-written). */
import type { paths } from './api-types.d.ts'

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never
type Ok<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends { responses: infer R }
  ? S extends keyof R
    ? Json<R[S]>
    : never
  : never

export type { paths }
export type Node = Ok<'/trove/v1/spaces/{spaceId}/nodes/{nodeId}', 'get'>
export type Space = Ok<'/trove/v1/spaces/{spaceId}', 'get'>
export type Usage = Ok<'/trove/v1/spaces/{spaceId}/usage', 'get'>
export type BinEntry = Ok<'/trove/v1/spaces/{spaceId}/trash/{entryId}', 'get'>
export type Task = Ok<'/trove/v1/tasks/{taskId}', 'get'>
export type Album = Ok<'/trove/v1/spaces/{spaceId}/albums/{albumId}', 'get'>
export type RestoreOutcome = Ok<'/trove/v1/spaces/{spaceId}/trash/{entryId}/restore', 'post'>
export type Me = Ok<'/trove/v1/me', 'get'>
export type IssuedToken = Ok<'/trove/v1/tokens', 'post', 201>
export type ConflictPolicy = 'fail' | 'rename' | 'overwrite'
