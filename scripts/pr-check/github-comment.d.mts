// Types for github-comment.mjs (plain JavaScript so the check runs before anything is compiled).
export declare const MARKER: string;
export interface UpsertOptions {
  /** e.g. https://api.github.com (GITHUB_API_URL). */
  api: string;
  /** "owner/name" (GITHUB_REPOSITORY). */
  repo: string;
  pr: number;
  token: string;
  body: string;
  fetchFn?: typeof fetch;
}
export declare function upsertComment(options: UpsertOptions): Promise<{ action: 'created' | 'updated'; url: string }>;
