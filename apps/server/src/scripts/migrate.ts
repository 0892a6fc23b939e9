import { parseEnv } from '../config/config';
import { openInfrastructure } from '../infrastructure';

/** `npm run db:migrate`: apply pending migrations and exit (the server also migrates at start). */
const env = parseEnv(process.env);
const infra = await openInfrastructure(env, console.log);
try {
  const applied = await infra.db.migrate();
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
} finally {
  await infra.close();
}
