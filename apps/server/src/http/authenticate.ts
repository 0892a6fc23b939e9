import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessTokens, Principal } from '../auth/access-tokens';
import { unauthenticated } from './app-error';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes are private by default; a public route says so. */
    public?: boolean;
  }
  interface FastifyRequest {
    principalOrNull: Principal | null;
  }
}

/** Every route requires `Authorization: Bearer <accessToken>` unless its config says `public: true`. */
export function registerAuthentication(app: FastifyInstance, accessTokens: AccessTokens): void {
  app.decorateRequest('principalOrNull', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
    if (!match?.[1]) throw unauthenticated('Send an access token: Authorization: Bearer <token>');
    request.principalOrNull = await accessTokens.verify(match[1]);
  });
}

/** The caller of a private route (the hook above guarantees one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principalOrNull) throw unauthenticated();
  return request.principalOrNull;
}
