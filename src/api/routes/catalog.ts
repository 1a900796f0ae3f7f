import { catalogDocument, catalogDocumentSchema, catalogUpdateSchema } from '../../domain/catalog.js';
import { httpErrors } from '../../http/errors.js';
import { loadCatalog, updateCatalog } from '../../stores/catalog-store.js';
import { apiRoute } from '../deps.js';

/** Items, vendors, loot and promotions, for ops. */
export const catalogRoutes = [
  apiRoute({
    method: 'get',
    path: '/v1/admin/catalog',
    tag: 'catalog',
    summary: 'Read the catalog',
    credentials: ['admin'],
    errors: [503],
    responses: { 200: { description: 'The stored catalog.', schema: catalogDocumentSchema } },
    handle: async ({ res, deps }) => {
      res.json(catalogDocument(await loadCatalog(deps.orm.em.fork())));
    },
  }),
  apiRoute({
    method: 'put',
    path: '/v1/admin/catalog',
    tag: 'catalog',
    summary: 'Upsert catalog entries by id',
    description: 'Every list is optional; what is not named is left as it is. Unknown fields are a 422.',
    credentials: ['admin'],
    body: catalogUpdateSchema,
    errors: [503],
    responses: {
      200: { description: 'The stored catalog after the update.', schema: catalogDocumentSchema },
    },
    handle: async ({ body, res, deps }) => {
      const outcome = await updateCatalog(deps.orm.em.fork(), body);
      if ('problems' in outcome) {
        throw httpErrors.validationFailed(
          outcome.problems.map((problem) => ({
            loc: ['body', ...problem.loc],
            msg: problem.msg,
            type: 'value_error',
          })),
        );
      }
      res.json(outcome.catalog);
    },
  }),
];
