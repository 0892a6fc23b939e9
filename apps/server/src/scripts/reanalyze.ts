import { parseArgs } from 'node:util';
import { ANALYSIS_VERSION } from '@rosin/analysis/analyze-recording';
import { ConfigError, parseEnv } from '../config/config';
import { openInfrastructure } from '../infrastructure';
import { findStaleAnalyses, queueReanalysis } from '../media/reanalysis';
import { consoleQueueLogger } from '../queue/job-queue';
import { createJobQueue } from '../queue/create-job-queue';

/**
 * `npm run reanalyze [-- --limit N] [-- --dry-run]`: after a release that changes the metrics, queue the ready
 * sessions measured by an older analysis version. The workers (`npm run worker`, or `npm start` on the embedded
 * default) re-analyse them from the stored upload, keeping the rendition. On the embedded default run it while
 * the server is stopped: PGlite serves one process at a time.
 */
const { values } = parseArgs({
  options: { limit: { type: 'string', default: '1000' }, 'dry-run': { type: 'boolean', default: false } },
});
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) {
  console.error(`--limit must be a whole number of sessions (at least 1), got "${values.limit}"`);
  process.exit(2);
}

try {
  const env = parseEnv(process.env);
  const infra = await openInfrastructure(env, console.log);
  try {
    await infra.db.migrate();
    const stale = await findStaleAnalyses(infra.db, { limit });
    const byVersion = new Map<string, number>();
    for (const s of stale) byVersion.set(s.analysisVersion, (byVersion.get(s.analysisVersion) ?? 0) + 1);
    const summary = [...byVersion].map(([version, count]) => `${count} from ${version}`).join(', ');
    if (stale.length === 0) {
      console.log(`Every ready session is measured by analysis ${ANALYSIS_VERSION}.`);
    } else if (values['dry-run']) {
      console.log(`Would queue ${stale.length} session(s) for analysis ${ANALYSIS_VERSION} (${summary}).`);
    } else {
      const queue = createJobQueue({
        db: infra.db,
        redis: infra.redis,
        logger: consoleQueueLogger,
        bullmq: { prefix: env.QUEUE_PREFIX },
      });
      try {
        await queueReanalysis(queue, stale);
      } finally {
        await queue.close();
      }
      console.log(`Queued ${stale.length} session(s) for analysis ${ANALYSIS_VERSION} (${summary}).`);
      if (stale.length === limit) console.log('There may be more: run it again once these are done.');
    }
  } finally {
    await infra.close();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
