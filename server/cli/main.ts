// `visitor-offers <command>`: the operator's tool. Each command lives in its own file; this one
// only dispatches, and turns a ConfigError or a usage mistake into one line and an exit code.
import { ConfigError } from '../config/config-error.js';
import { UsageError } from './args.js';
import { COMMANDS } from './commands.js';

const USAGE = `usage: visitor-offers <command> [options]

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${`${name} ${c.args}`.padEnd(44)} ${c.summary}`)
  .join('\n')}

Settings come from the environment, as for the server: DATAFAST_API_KEY, OFFERS_CONFIG, DATA_DIR, ADMIN_TOKEN …`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`visitor-offers: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(args, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`visitor-offers ${name}: ${err.message}\nusage: visitor-offers ${name} ${command.args}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`visitor-offers ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
