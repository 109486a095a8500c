import { randomBytes } from 'node:crypto';
import { InvalidValueError, UniquenessError } from '../scim/errors.js';
import type { OperatorRecord } from '../store/kysely/console-repository.js';
import type { Store } from '../store/store.js';
import { newId, now } from './clock.js';
import { SignInRefusedError } from './console-errors.js';
import {
  decoyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyPassword,
} from './password-hash.js';
import { sha256Hex } from './secret-hash.js';
import { DEFAULT_SIGN_IN_THROTTLE, SignInThrottle, type SignInThrottlePolicy } from './sign-in-throttle.js';

/** Something@something.tld, no spaces: enough to catch a typo; the address is never mailed. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Recognisable prefix of one-time sign-in link secrets. */
export const LINK_PREFIX = 'rcl_';
/** How long a one-time link works unless told otherwise. */
export const DEFAULT_LINK_MINUTES = 15;

export interface CreatedLink {
  /** The secret that goes in the link; shown once, stored as a SHA-256. */
  readonly secret: string;
  readonly operator: OperatorRecord;
  readonly expires: string;
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new InvalidValueError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new InvalidValueError(`A password has at most ${MAX_PASSWORD_LENGTH} characters`);
}

/**
 * The vendor's console operators: accounts made with the CLI, signing in with a password (scrypt)
 * or a one-time link the CLI prints (single use, short expiry, stored hashed).
 */
export class ConsoleOperators {
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly store: Store,
    throttlePolicy: SignInThrottlePolicy = DEFAULT_SIGN_IN_THROTTLE,
  ) {
    this.throttle = new SignInThrottle(store, throttlePolicy);
  }

  async create(email: string, password: string | null): Promise<OperatorRecord> {
    const address = email.trim();
    if (!EMAIL.test(address)) throw new InvalidValueError(`"${email}" is not an email address`);
    if (password !== null) checkPassword(password);
    const operator: OperatorRecord = {
      id: newId(),
      email: address,
      created: now(),
      lastSignIn: null,
      disabled: null,
      hasPassword: password !== null,
    };
    try {
      await this.store.repositories.console.insertOperator(
        operator,
        password === null ? null : await hashPassword(password),
      );
    } catch (error) {
      if (this.store.isUniqueViolation(error))
        throw new UniquenessError(`There is already an operator ${address}`);
      throw error;
    }
    return operator;
  }

  /** Sets a new password; the operator's open sessions end. */
  async setPassword(email: string, password: string): Promise<OperatorRecord> {
    checkPassword(password);
    const found = await this.store.repositories.console.operatorByEmail(email.trim());
    if (!found) throw new InvalidValueError(`No operator ${email}`);
    const at = now();
    const hash = await hashPassword(password);
    await this.store.transaction(async (repos) => {
      await repos.console.setPassword(found.operator.id, hash, at);
      await repos.console.endOperatorSessions(found.operator.id, at);
    });
    return { ...found.operator, hasPassword: true };
  }

  async list(): Promise<OperatorRecord[]> {
    return this.store.repositories.console.operators(1000);
  }

  /**
   * The operator with this email and password, signing in from `address` (the client's IP). An
   * unknown email costs a hash all the same, so the answer's timing does not tell which emails are
   * operators. Too many failures from the address refuse every attempt for a while (SignInThrottle),
   * before any password is checked; one-time links are not throttled.
   */
  async signIn(email: string, password: string, address: string): Promise<OperatorRecord> {
    await this.throttle.check(email, address);
    const refused = async () => {
      await this.throttle.failed(email, address);
      return new SignInRefusedError('The email or the password is not right');
    };
    const found = await this.store.repositories.console.operatorByEmail(email.trim());
    if (!found?.passwordHash) {
      await verifyPassword(password, await decoyHash());
      throw await refused();
    }
    if (!(await verifyPassword(password, found.passwordHash))) throw await refused();
    await this.throttle.succeeded(email, address);
    if (found.operator.disabled) throw new SignInRefusedError('This operator account is disabled');
    const at = now();
    await this.store.repositories.console.touchOperatorSignIn(found.operator.id, at);
    if (needsRehash(found.passwordHash))
      await this.store.repositories.console.setPassword(found.operator.id, await hashPassword(password), at);
    return { ...found.operator, lastSignIn: at };
  }

  /** A one-time sign-in link's secret for an operator (`rollcall console link`). */
  async createLink(email: string, minutes = DEFAULT_LINK_MINUTES): Promise<CreatedLink> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60)
      throw new InvalidValueError('A sign-in link lasts from 1 minute to 24 hours');
    const found = await this.store.repositories.console.operatorByEmail(email.trim());
    if (!found)
      throw new InvalidValueError(`No operator ${email}; create one with "rollcall console user create"`);
    if (found.operator.disabled) throw new InvalidValueError(`Operator ${email} is disabled`);
    const secret = LINK_PREFIX + randomBytes(32).toString('base64url');
    const created = now();
    const expires = new Date(Date.parse(created) + minutes * 60_000).toISOString();
    await this.store.repositories.console.insertLink(sha256Hex(secret), found.operator.id, created, expires);
    return { secret, operator: found.operator, expires };
  }

  /** Uses a link: once, before it expires. Anything else is refused alike. */
  async useLink(secret: string): Promise<OperatorRecord> {
    const refused = new SignInRefusedError(
      'This sign-in link is not valid: it was used already, it expired, or it was mistyped. Ask for a new one.',
    );
    if (!secret.startsWith(LINK_PREFIX) || secret.length > 200) throw refused;
    const at = now();
    const operatorId = await this.store.repositories.console.useLink(sha256Hex(secret), at);
    if (!operatorId) throw refused;
    const operator = await this.store.repositories.console.operatorById(operatorId);
    if (!operator || operator.disabled) throw refused;
    await this.store.repositories.console.touchOperatorSignIn(operator.id, at);
    return { ...operator, lastSignIn: at };
  }
}
