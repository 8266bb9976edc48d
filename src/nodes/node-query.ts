import type { NodeKind } from '../db/schema.ts'

/**
 * A structured condition over the visible nodes of a space, for searches and filtered listings.
 * Transports parse their own query languages into this; the repository compiles it to SQL.
 */
export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'

export type NodeCondition =
  /** `eq` is exact; `contains` and `prefix` ignore case. */
  | { field: 'name'; op: 'eq' | 'contains' | 'prefix'; value: string }
  | { field: 'kind'; op: 'eq'; value: NodeKind }
  /** Direct children of any of these folders (`root` names the space's root folder). */
  | { field: 'parentId'; op: 'in'; value: string[] }
  | { field: 'id'; op: 'in'; value: string[] }
  /** Files only: a folder has no size of its own. */
  | { field: 'size'; op: Comparison; value: number }
  /** Epoch milliseconds. */
  | { field: 'createdAt' | 'modifiedAt'; op: Comparison; value: number }
  /** Files whose name ends in `.<ext>` for one of the extensions (lowercase, without the dot). */
  | { field: 'extension'; op: 'in'; value: string[] }
  /** Files only; one stored without a content type counts as `application/octet-stream`. */
  | { field: 'contentType'; op: 'eq' | 'prefix'; value: string }

export type NodeQuery = NodeCondition | { and: NodeQuery[] } | { or: NodeQuery[] } | { not: NodeQuery }

export const MAX_QUERY_NODES = 200
