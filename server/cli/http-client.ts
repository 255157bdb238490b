/** JSON requests to the hub's HTTP API (PROTOCOL.md §9), with errors a person can act on. */
import { CliError } from './errors.js';
import { unreachable, type HubUrl } from './hub-url.js';

/** How long one request may take before the hub counts as not answering. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends one request; resolves with a 2xx answer, throws a CliError for anything else. */
export async function requestJson(hub: HubUrl, method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonAnswer> {
  let response: Response;
  try {
    response = await fetch(hub.http + path, {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(hub.token !== undefined && { authorization: `Bearer ${hub.token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new CliError(describeFetchFailure(hub, error));
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const e = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (e && typeof e.code === 'string') throw new CliError(`${e.code}: ${String(e.message ?? '')}${authHint(e.code, hub)}`);
    throw new CliError(`${method} ${hub.http}${path} answered ${response.status} ${response.statusText}`.trimEnd() +
      (text ? `: ${text.slice(0, 200).trim()}` : '') + ' (is this a Tidings hub?)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${method} ${hub.http}${path} answered ${response.status} without a JSON object (is this a Tidings hub?)`);
  }
  return { status: response.status, body: parsed as Record<string, unknown> };
}

/** What to do about a refused or missing token: the hub's message says what is wrong, not which flag gives one. */
export function authHint(code: string, hub: HubUrl): string {
  if (code === 'unauthorized') {
    return hub.token === undefined
      ? ' (pass a token with --token or TIDINGS_TOKEN; tidings gen-token makes one)'
      : ' (check the token of --token or TIDINGS_TOKEN; tidings gen-token makes a new one)';
  }
  if (code === 'forbidden') return ' (tidings gen-token makes a token whose --subscribe or --publish patterns cover the topic)';
  return '';
}

function describeFetchFailure(hub: HubUrl, error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `the hub at ${hub.http} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return unreachable(hub);
  if (e?.cause?.message === 'bad port') {
    return unreachable(hub, `fetch refuses port ${new URL(hub.http).port} (a port kept for other protocols); run the hub on another one`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return unreachable(hub, `unknown host ${new URL(hub.http).hostname}`);
  return unreachable(hub, code ?? e?.cause?.message ?? e?.message ?? String(error));
}
