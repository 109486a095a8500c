import { type ConsoleOperators, DEFAULT_LINK_MINUTES } from './directory/console-operators.js';

/** What `rollcall console …` needs from the CLI around it. */
export interface ConsoleCommandContext {
  readonly operators: ConsoleOperators;
  readonly publicUrl: string;
  readonly json: boolean;
  readonly email?: string;
  readonly minutes?: string;
  readonly passwordStdin: boolean;
  readonly noPassword: boolean;
  /** Thrown for a usage mistake (exit code 2). */
  usage(message: string): Error;
}

export const CONSOLE_USAGE = `  rollcall console user create <email> [--password-stdin | --no-password]
  rollcall console user password <email> [--password-stdin]
  rollcall console user list [--json]
  rollcall console link [--email EMAIL] [--minutes 15]`;

function write(context: ConsoleCommandContext, json: unknown, text: string): void {
  process.stdout.write(context.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

/** Reads a line from the terminal without echoing it (raw mode), or fails without a terminal. */
async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) throw new Error('no terminal');
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            input.off('data', onData);
            process.stderr.write('\n');
            resolve(typed);
            return;
          }
          if (char === '\u0003') {
            input.off('data', onData);
            reject(new Error('cancelled'));
            return;
          }
          if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
          else typed += char;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}

/** The first line of standard input (`--password-stdin`), so a password never sits in argv or the shell history. */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function newPassword(context: ConsoleCommandContext): Promise<string> {
  if (context.passwordStdin) return readStdinLine();
  if (!process.stdin.isTTY)
    throw context.usage('Give the password on standard input with --password-stdin (no terminal to ask on)');
  const first = await promptHidden('Password (at least 12 characters): ');
  const second = await promptHidden('The same password again: ');
  if (first !== second) throw context.usage('The two passwords differ; nothing was changed');
  return first;
}

/** `rollcall console user …` and `rollcall console link`: operator accounts of the admin console. */
export async function consoleCommand(
  context: ConsoleCommandContext,
  sub: string | undefined,
  args: readonly (string | undefined)[],
): Promise<number> {
  const [action, email] = args;
  if (sub === 'user' && action === 'create') {
    if (!email) throw context.usage('Missing <email>');
    const password = context.noPassword ? null : await newPassword(context);
    const operator = await context.operators.create(email, password);
    write(
      context,
      { id: operator.id, email: operator.email, password: operator.hasPassword },
      `Created operator ${operator.email} (${operator.id})${operator.hasPassword ? '' : ': no password, sign in with "rollcall console link"'}`,
    );
    return 0;
  }
  if (sub === 'user' && action === 'password') {
    if (!email) throw context.usage('Missing <email>');
    const operator = await context.operators.setPassword(email, await newPassword(context));
    write(
      context,
      { id: operator.id, email: operator.email },
      `Changed the password of ${operator.email}; their sessions ended`,
    );
    return 0;
  }
  if (sub === 'user' && action === 'list') {
    const operators = await context.operators.list();
    if (context.json) process.stdout.write(operators.map((o) => `${JSON.stringify(o)}\n`).join(''));
    else
      process.stdout.write(
        operators.length
          ? `${operators.map((o) => `${o.email}  ${o.id}${o.hasPassword ? '' : '  (link only)'}${o.disabled ? '  disabled' : ''}`).join('\n')}\n`
          : 'No operators. Create one with "rollcall console user create <email>".\n',
      );
    return 0;
  }
  if (sub === 'link') {
    let address = context.email;
    if (!address) {
      const operators = await context.operators.list();
      if (operators.length !== 1)
        throw context.usage(
          operators.length === 0
            ? 'No operators yet: create one with "rollcall console user create <email>"'
            : 'Several operators: say which with --email',
        );
      address = operators[0]!.email;
    }
    const minutes = context.minutes === undefined ? DEFAULT_LINK_MINUTES : Number(context.minutes);
    if (!Number.isInteger(minutes)) throw context.usage('--minutes must be a whole number');
    const link = await context.operators.createLink(address, minutes);
    const url = `${context.publicUrl}/console/link/${link.secret}`;
    write(
      context,
      { url, email: link.operator.email, expires: link.expires },
      `${url}\n\nSigns ${link.operator.email} in to the console once, until ${link.expires}.`,
    );
    return 0;
  }
  throw context.usage(`Unknown command "console ${[sub, ...args].filter(Boolean).join(' ')}"`);
}
