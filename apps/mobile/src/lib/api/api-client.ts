import { AuthResponse, type TokenPair } from '@rosin/contracts/auth';
import type { z } from 'zod';
import type { TokenVault } from '../auth/token-vault.types';
import { ApiError, NetworkError, SignedOutError } from './api-error';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  baseUrl: string;
  tokens: TokenVault;
  fetch?: FetchLike;
  /** Called when the refresh token stops working (revoked, reused, expired): the app signs out. */
  onSignedOut?: () => void;
  /** Called with every new token pair (sign-in, refresh, role switch). */
  onTokens?: (response: AuthResponse) => void;
}

export interface RequestOptions<T> {
  body?: unknown;
  /** Validates (and types) the answer; responses without a body pass `null`. */
  schema?: z.ZodType<T>;
  /** Public endpoints (sign-in, register) send no token. */
  auth?: boolean;
  signal?: AbortSignal;
}

/**
 * The one door to the API. It adds the access token, refreshes it once when the server says it expired (one
 * refresh at a time, however many requests notice), and turns every failure into ApiError / NetworkError /
 * SignedOutError so callers can tell "try later" from "this will never work".
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private refreshing: Promise<TokenPair> | null = null;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** An absolute URL for a path of the API (or a URL the API handed out, which may already be absolute). */
  resolve(pathOrUrl: string): string {
    if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl;
    return `${this.baseUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const auth = options.auth ?? true;
    let tokens = auth ? await this.options.tokens.read() : null;
    if (auth && !tokens) throw new SignedOutError();

    let response = await this.send(method, path, options, tokens?.accessToken);
    if (auth && response.status === 401) {
      const code = await peekErrorCode(response);
      if (code === 'TOKEN_EXPIRED' || code === 'UNAUTHENTICATED') {
        tokens = await this.refreshTokens(tokens!);
        response = await this.send(method, path, options, tokens.accessToken);
      }
    }
    return this.parse(response, options.schema);
  }

  /** Stores a fresh pair (sign-in, register, role switch answer with one). */
  async adoptTokens(response: AuthResponse): Promise<void> {
    await this.options.tokens.write({
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      accessTokenExpiresAt: response.accessTokenExpiresAt,
    });
    this.options.onTokens?.(response);
  }

  /** Raw fetch for presigned storage URLs: no token, no JSON; failures become NetworkError / ApiError. */
  async fetchRaw(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.resolve(url), init);
    } catch (error) {
      throw new NetworkError(error instanceof Error && error.message ? error.message : undefined);
    }
    if (!response.ok) await this.parse(response, undefined);
    return response;
  }

  private refreshTokens(stale: TokenPair): Promise<TokenPair> {
    this.refreshing ??= (async () => {
      try {
        // Another request may already have refreshed while this one was in flight.
        const current = await this.options.tokens.read();
        if (!current) throw new SignedOutError();
        if (current.accessToken !== stale.accessToken) return current;
        const response = await this.send('POST', '/auth/refresh', {
          body: { refreshToken: current.refreshToken },
        });
        if (response.status === 401) {
          await this.options.tokens.clear();
          this.options.onSignedOut?.();
          throw new SignedOutError();
        }
        const answer = await this.parse(response, AuthResponse);
        await this.adoptTokens(answer);
        return answer;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async send(
    method: string,
    path: string,
    options: Pick<RequestOptions<unknown>, 'body' | 'signal'>,
    accessToken?: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    try {
      return await this.fetchImpl(this.resolve(path), {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new NetworkError();
    }
  }

  private async parse<T>(response: Response, schema: z.ZodType<T> | undefined): Promise<T> {
    const text = await response.text().catch(() => {
      throw new NetworkError('The connection dropped while reading the answer');
    });
    let json: unknown = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(
        response.status,
        (error?.code as ApiError['code'] | undefined) ?? 'UNKNOWN',
        error?.message ?? `The server answered ${response.status}`,
      );
    }
    return schema ? schema.parse(json) : (json as T);
  }
}

async function peekErrorCode(response: Response): Promise<string | undefined> {
  try {
    const json = (await response.clone().json()) as { error?: { code?: string } };
    return json.error?.code;
  } catch {
    return undefined;
  }
}
