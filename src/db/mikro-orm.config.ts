import { loadConfigOrExit } from '../config.js';
import { cliOrmOptions } from './orm.js';

/**
 * The configuration `@mikro-orm/cli` loads (package.json names it): `npm run migration:create`,
 * `migration:up`, `migration:down`, `migration:pending`, and the rest of `npm run mikro-orm -- -h`,
 * against the database DATABASE_URL names.
 */
export default cliOrmOptions(loadConfigOrExit().DATABASE_URL);
