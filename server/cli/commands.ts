// The CLI's commands, by name: what each takes and does. `serve` keeps running; the others print
// and return an exit code (0 ok, 1 a problem found, 2 a usage mistake).
import { randomBytes } from 'node:crypto';
import type { Env } from '../config/env.js';
import { offersJsonSchemaText } from '../config/offers-json-schema.js';
import { parse } from './args.js';
import { check } from './check.js';
import { decideCommand } from './decide.js';
import { leads } from './leads.js';
import { previewLink } from './preview-link.js';
import { results } from './results.js';
import { fitScore } from './fit-score.js';

export interface Command {
  args: string;
  summary: string;
  run(args: string[], env: Env): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  check: {
    args: '[offers.json]',
    summary: 'check an offers file (default $OFFERS_CONFIG) and its code pools',
    run: (args, env) => check(args, env),
  },
  serve: {
    args: '',
    summary: 'run the standalone server, configured from the environment',
    run: async () => {
      const { serve } = await import('../standalone.js');
      await serve(process.env);
      return new Promise<number>(() => undefined); // runs until a signal stops the process
    },
  },
  decide: {
    args: '--visitor <id> [--path /pricing] [--referrer url] [--json]',
    summary: 'what this visitor would get and why, asking the configured DataFast',
    run: (args, env) => decideCommand(args, env),
  },
  results: {
    args: '[--json]',
    summary: 'the experiment results table from $OFFERS_CONFIG and the store in $DATA_DIR',
    run: (args, env) => results(args, env),
  },
  'fit-score': {
    args: '[--json]',
    summary: 'fit the local score\'s weights on the visitors and conversions in the store; prints calibration by decile and the weights as options',
    run: (args, env) => fitScore(args, env),
  },
  leads: {
    args: 'export --format csv|jsonl [--since <date>] [--output <file>] | delete --email <address>',
    summary: 'export the stored leads (stdout by default), or erase an address\'s leads; beside a running server too',
    run: (args, env) => leads(args, env),
  },
  schema: {
    args: '',
    summary: 'print the offers file\'s JSON Schema (offers.schema.json) for editors',
    run: async (args) => {
      parse(args, {});
      process.stdout.write(offersJsonSchemaText());
      return 0;
    },
  },
  'preview-link': {
    args: '--offer <id> | --segment <s> [--url https://shop.example.com/pricing] [--minutes 60]',
    summary: 'print a short-lived link that previews an offer on the site (signed with $ADMIN_TOKEN)',
    run: (args, env) => previewLink(args, env),
  },
  'gen-token': {
    args: '',
    summary: 'print a random 256-bit token for ADMIN_TOKEN or CONVERSIONS_TOKEN',
    run: async (args) => {
      parse(args, {});
      console.log(randomBytes(32).toString('base64url'));
      return 0;
    },
  },
};
