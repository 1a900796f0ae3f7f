import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config.js';
import { orderId as orderIdSchema, uuid } from '../domain/schema-types.js';
import { ORDER_STATUSES, type OrderStatus } from '../domain/vocabulary.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { Answer, Connections } from './ops-commands.js';

/**
 * `npm run ops -- <command>`: what ops need to see and put right without touching the database by
 * hand. It calls the same domain functions and queue helpers as the admin API (no HTTP), against
 * the PostgreSQL and Redis the environment names (the same variables as the service, `.env` too).
 *
 * This file only parses and prints; the commands (src/cli/ops-commands.ts) and everything they
 * load are imported once a command runs, so `--help` answers at once.
 *
 * Exit codes: 0 done, 1 failed (or not found, or not retryable), 2 usage error.
 */

const positiveInt = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('not a positive integer');
  return number;
};
const orderIdArgument = (value: string) => {
  const parsed = orderIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('not an order id');
  return parsed.data;
};
const uuidArgument = (value: string) => {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('not a uuid');
  return parsed.data;
};

let exitCode = 0;

/** Runs a command: loads the configuration and the commands, prints the answer, closes what it opened. */
async function answer(
  command: Command,
  run: (
    commands: typeof import('./ops-commands.js'),
    connections: Connections,
    config: Config,
  ) => Promise<Answer>,
): Promise<void> {
  const [{ loadConfigOrExit }, { createLogger }, commands, { reasonOf }] = await Promise.all([
    import('../config.js'),
    import('../logger.js'),
    import('./ops-commands.js'),
    import('../error-text.js'),
  ]);
  const config = loadConfigOrExit();
  const connections = new commands.Connections(config, createLogger(config.LOG_LEVEL, 'armory-ops', 2));
  const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
  try {
    const result = await run(commands, connections, config);
    const out = result.code === EXIT_OK ? process.stdout : process.stderr;
    out.write(json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text.join('\n')}\n`);
    exitCode = result.code;
  } catch (error) {
    process.stderr.write(`ops: ${command.name()} failed: ${reasonOf(error)}\n`);
    exitCode = EXIT_FAILED;
  } finally {
    await connections.close().catch(() => undefined);
  }
}

const program = new Command('ops')
  .usage('<command> [options]   (npm run ops -- <command>)')
  .description("Armory's ops commands: see and put right orders, history and the catalog.")
  .option('--json', 'answer in JSON on stdout (errors in JSON on stderr)')
  .helpOption('-h, --help', "show this help (or a command's: ops <command> -h)")
  .showHelpAfterError('(npm run ops -- -h lists the commands)')
  .exitOverride();

program
  .command('orders:show')
  .description('an order: status, error, entries, and a live job naming its player')
  .argument('<order_id>', 'the order', orderIdArgument)
  .action((orderId: string, _options, command: Command) =>
    answer(command, (c, connections) => c.showOrder(connections, orderId)),
  );

program
  .command('orders:list')
  .description('orders, newest first')
  .addOption(new Option('--status <status>', 'only orders in this status').choices(ORDER_STATUSES))
  .option('--player <player_uuid>', "only this player's orders", uuidArgument)
  .option('--limit <n>', 'orders per page', positiveInt, 20)
  .option('--cursor <cursor>', 'the next page, as the previous one named it')
  .action(
    (options: { status?: OrderStatus; player?: string; limit: number; cursor?: string }, command: Command) =>
      answer(command, (c, connections) =>
        c.listOrdersPage(connections, {
          status: options.status,
          playerUuid: options.player,
          limit: options.limit,
          cursor: options.cursor,
        }),
      ),
  );

program
  .command('orders:retry')
  .description('re-queue one errored order')
  .argument('<order_id>', 'the order', orderIdArgument)
  .action((orderId: string, _options, command: Command) =>
    answer(command, (c, connections) => c.retryOne(connections, orderId)),
  );

program
  .command('orders:retry-errored')
  .description('re-queue every errored order')
  .option('--dry-run', 'count and list them, change nothing')
  .action((options: { dryRun?: boolean }, command: Command) =>
    answer(command, (c, connections) => c.retryAllErrored(connections, options.dryRun === true)),
  );

program
  .command('queue:stats')
  .description('jobs in the queue by state, and orders waiting in PostgreSQL')
  .action((_options, command: Command) => answer(command, (c, connections) => c.queueStats(connections)));

program
  .command('player:history')
  .description("a player's inventory changes in effect order, each with its order and entry")
  .argument('<player_uuid>', 'the player', uuidArgument)
  .option('--item-id <id>', 'only changes of this item', positiveInt)
  .option('--limit <n>', 'changes per page', positiveInt, 50)
  .option('--cursor <cursor>', 'the next page, as the previous one named it')
  .action(
    (playerUuid: string, options: { itemId?: number; limit: number; cursor?: string }, command: Command) =>
      answer(command, (c, connections) =>
        c.playerHistory(connections, {
          playerUuid,
          itemId: options.itemId,
          limit: options.limit,
          cursor: options.cursor,
        }),
      ),
  );

program
  .command('catalog:export')
  .description('the stored catalog as JSON, in the shape catalog:import takes')
  .argument('[file]', 'write it here instead of to stdout')
  .action((file: string | undefined, _options, command: Command) =>
    answer(command, (c, connections) => c.exportCatalog(connections, file)),
  );

program
  .command('catalog:import')
  .description('upsert a catalog file by id, as PUT /v1/admin/catalog does')
  .argument('<file>', 'a JSON catalog; - reads stdin')
  .action((file: string, _options, command: Command) =>
    answer(command, (c, connections) => c.importCatalog(connections, file)),
  );

program
  .command('token')
  .description("a player token signed with this environment's PLAYER_JWT_SECRET, for trying the player API")
  .argument('<player_uuid>', 'the player it acts for', uuidArgument)
  .option('--expires-in <span>', 'lifetime, such as 1h or 7d', '1h')
  .action((playerUuid: string, options: { expiresIn: string }, command: Command) =>
    answer(command, (c, _connections, config) => c.playerToken(config, playerUuid, options.expiresIn)),
  );

try {
  if (process.argv.length <= 2) program.help({ error: true });
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Help asked for is a success; anything else commander stopped at is a usage error.
  exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
}
// Everything is closed by now; exit without waiting on timers a client library may leave behind
// (ioredis keeps its connect timeout after a refused connection).
process.exit(exitCode);
