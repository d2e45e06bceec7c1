// The one GitHub API call of the PR check, kept apart so the check itself runs anywhere (and in
// tests) without it: find our comment on the pull request by its marker, then update it, or
// create it when there is none. REST v3: issues comments (a PR is an issue for comments).

/** Hidden in the rendered comment; how later runs find the comment to update. */
export const MARKER = '<!-- portico-pr-check -->';

async function call(fetchFn, url, token, init = {}) {
  const res = await fetchFn(url, {
    ...init,
    headers: {
      accept: 'application/vnd.github+json', authorization: `Bearer ${token}`, 'x-github-api-version': '2022-11-28',
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });
  if (!res.ok) throw new Error(`GitHub API ${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return { json: await res.json(), link: res.headers.get('link') ?? '' };
}

/**
 * Creates or updates the single marked comment on pull request `pr` of `repo` ("owner/name").
 * Returns what it did and the comment's URL.
 */
export async function upsertComment({ api, repo, pr, token, body, fetchFn = fetch }) {
  if (!body.includes(MARKER)) body = `${MARKER}\n${body}`;
  const base = `${api.replace(/\/$/, '')}/repos/${repo}/issues`;
  // Comments come 100 a page; follow rel="next" (bounded: a PR with more pages is pathological).
  let url = `${base}/${pr}/comments?per_page=100`;
  for (let page = 0; url && page < 50; page++) {
    const { json, link } = await call(fetchFn, url, token);
    const mine = json.find((c) => typeof c.body === 'string' && c.body.includes(MARKER));
    if (mine) {
      const { json: updated } = await call(fetchFn, `${base}/comments/${mine.id}`, token, { method: 'PATCH', body: JSON.stringify({ body }) });
      return { action: 'updated', url: updated.html_url };
    }
    url = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
  }
  const { json: created } = await call(fetchFn, `${base}/${pr}/comments`, token, { method: 'POST', body: JSON.stringify({ body }) });
  return { action: 'created', url: created.html_url };
}
