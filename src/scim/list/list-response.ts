import type { JsonObject } from '../json/json-value.js';
import { LIST_RESPONSE } from '../urns.js';

/** RFC 7644 §3.4.2 ListResponse; paging fields are JSON integers (Okta checks, O1). */
export function listResponse(
  resources: JsonObject[],
  totalResults: number,
  startIndex: number,
  nextCursor?: string,
): JsonObject {
  return {
    schemas: [LIST_RESPONSE],
    totalResults,
    itemsPerPage: resources.length,
    startIndex,
    ...(nextCursor !== undefined && { nextCursor }),
    Resources: resources,
  };
}
