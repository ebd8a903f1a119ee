/**
 * Keyset pagination, shared by every port that lists. Its own module so that a port file needing it
 * does not import `repositories.ts`, which imports every port file back.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}
