import { Router } from 'express';
import { catalogUpdateSchema } from '../../domain/catalog.js';
import { catalogDocument, loadCatalog, updateCatalog } from '../../stores/catalog-store.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../../http/errors.js';
import { parse } from '../validation.js';

export function catalogRoutes({ config, orm }: ApiDeps): Router {
  const router = Router();
  router.use('/v1/admin', requireRole(config, ['admin']));

  router.get('/v1/admin/catalog', async (_req, res) => {
    res.json(catalogDocument(await loadCatalog(orm.em.fork())));
  });

  router.put('/v1/admin/catalog', async (req, res) => {
    const update = parse(catalogUpdateSchema, req, 'body');
    const outcome = await updateCatalog(orm.em.fork(), update);
    if ('problems' in outcome) {
      throw HttpError.validation(
        outcome.problems.map((problem) => ({
          loc: ['body', ...problem.loc],
          msg: problem.msg,
          type: 'value_error',
        })),
      );
    }
    res.json(outcome.catalog);
  });
  return router;
}
